//! The content calendar page: a week (seven days of hourly slots) or a month (a grid of days)
//! of the workspace's posts as cards coloured by status, in the chosen LinkedIn account's time
//! zone, with the best posting times highlighted. Picking an empty slot offers the approved,
//! unscheduled posts to schedule there; a card is moved by its form, by keyboard or by drag
//! (the progressive script `calendar.js`), each a plain form POST: scheduling it again at a
//! local time of the account. Clients see the calendar read only.

use super::page_params::{query_string, with_query};
use super::post_view::{ALL, invalid, parse_optional_id, status_label};
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, Days, Duration, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::calendar::{CalendarItem, CalendarRequest};
use revos_app::posts::ScheduleTime;
use revos_domain::calendar::{self as rules, DateRange};
use revos_domain::post::PostStatus;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// `?view=week|month&date=YYYY-MM-DD&account_id=&client_id=&slot=` of the page.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct CalendarParams {
    /// `week` (default) or `month`.
    view: String,
    /// A day of the week or month shown (default: today in the account's zone).
    date: String,
    /// The account whose time zone the grid is in and from which slots are scheduled.
    account_id: String,
    /// Only this client's posts.
    client_id: String,
    /// The local slot picked for scheduling, `YYYY-MM-DDTHH:MM`.
    slot: String,
}

/// The form that schedules (or moves) a post at a local time of the page's account.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct ScheduleForm {
    #[serde(skip_serializing)]
    _csrf: String,
    /// The post.
    post_id: String,
    /// When, on the account's clocks.
    local_at: String,
    /// The page's account.
    account_id: String,
    /// The page to come back to.
    view: String,
    date: String,
    client_id: String,
}

const WEEKDAY_LABELS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `GET /calendar`.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Query(params): Query<CalendarParams>,
) -> Result<Html<String>, UiError> {
    render(&state, &signed, &params, None).await
}

/// `POST /calendar/schedule`: schedules an approved post, or moves a scheduled one, at a
/// local time of the page's account; back to the calendar (303), or the calendar with the
/// message (422).
pub(super) async fn schedule(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Form(form): Form<ScheduleForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let params = CalendarParams {
        view: form.view.clone(),
        date: form.date.clone(),
        account_id: form.account_id.clone(),
        client_id: form.client_id.clone(),
        slot: String::new(),
    };
    match perform(&state, &signed, &form).await {
        Ok(()) => Ok(Redirect::to(&page_url(&params)).into_response()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let failed = Failed {
                errors: e.field_errors().to_vec(),
                values: form,
            };
            let html = render(&state, &signed, &params, Some(&failed)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e),
    }
}

async fn perform(state: &AppState, signed: &Signed, form: &ScheduleForm) -> Result<(), UiError> {
    let post = parse_optional_id("post_id", &form.post_id)?
        .ok_or_else(|| invalid("post_id", "choose the post to schedule"))?;
    let local = rules::parse_local("local_at", &form.local_at)
        .map_err(|e| UiError::from(revos_app::AppError::from(e)))?;
    let account = parse_optional_id("account_id", &form.account_id)?;
    state
        .app
        .schedule_post_at(&signed.who, post, ScheduleTime::Local(local), account)
        .await?;
    Ok(())
}

/// A failed scheduling attempt, shown above the calendar.
#[derive(Debug, Serialize)]
struct Failed {
    errors: Vec<(String, String)>,
    values: ScheduleForm,
}

/// The page's own address with its view, day, account and client.
fn page_url(p: &CalendarParams) -> String {
    with_query(
        "/calendar",
        &query_string(&[
            ("view", &p.view),
            ("date", &p.date),
            ("account_id", &p.account_id),
            ("client_id", &p.client_id),
        ]),
    )
}

/// The days a view shows: a Monday-to-Sunday week, or the whole weeks around a month.
fn days_shown(month: bool, day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = |d: NaiveDate| d - Days::new(u64::from(d.weekday().num_days_from_monday()));
    if month {
        let first = day.with_day(1).unwrap_or(day);
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        let last = next.pred_opt().unwrap_or(first);
        let start = monday(first);
        (start, monday(last) + Days::new(6))
    } else {
        let start = monday(day);
        (start, start + Days::new(6))
    }
}

/// `2026-12-09T09:00`, the form of a slot and of a datetime-local input.
fn slot_value(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// A card for the template: the post, where it sits in the grid's zone, and whether the
/// viewer may move it here.
fn card(
    item: &CalendarItem,
    zone: Tz,
    account: Option<Uuid>,
    agency: bool,
) -> (NaiveDateTime, Value) {
    let local = rules::local_reading(zone, item.at);
    let reschedulable = matches!(item.status, PostStatus::Approved | PostStatus::Scheduled);
    let same_account = item.account_id.is_none() || item.account_id == account;
    let movable = agency && account.is_some() && reschedulable && same_account;
    let client = item
        .client_name
        .clone()
        .unwrap_or_else(|| "No cartridge".to_owned());
    let initial = client
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "?".to_owned());
    let value = context! {
        id => item.id.to_string(),
        status => item.status.as_str(),
        status_label => status_label(item.status),
        first_line => item.first_line.clone(),
        client => client,
        initial => initial,
        account => item.account_name.clone(),
        time => local.format("%H:%M").to_string(),
        local_at => slot_value(local),
        own_local_at => item.local_at.clone(),
        own_zone => item.time_zone.clone(),
        utc => item.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        movable => movable,
        preview => Value::from(Serde(&item.preview)),
    };
    (local, value)
}

/// The best posting times for the template, each slot as `Tuesday 09:00`.
fn best_ctx(b: &revos_domain::calendar::BestTimes) -> Value {
    let slots: Vec<Value> = b
        .slots
        .iter()
        .map(|s| {
            let mut day = s.weekday.to_owned();
            day[..1].make_ascii_uppercase();
            context! {
                label => format!("{day} {:02}:00", s.hour),
                posts => s.posts,
                per_post => format!("{:.1}", s.engagement_per_post),
            }
        })
        .collect();
    context! {
        enough => b.enough,
        message => b.message.clone(),
        time_zone => b.time_zone.clone(),
        posts => b.posts,
        slots => slots,
    }
}

async fn render(
    state: &AppState,
    signed: &Signed,
    params: &CalendarParams,
    failed: Option<&Failed>,
) -> Result<Html<String>, UiError> {
    let app = &state.app;
    let who = &signed.who;
    let agency = !who.role.is_client();
    let month = match params.view.trim() {
        "" | "week" => false,
        "month" => true,
        _ => return Err(invalid("view", "must be week or month")),
    };
    let accounts = app.list_accounts(who, ALL).await?.items;
    let account =
        match parse_optional_id("account_id", &params.account_id)? {
            Some(id) => Some(accounts.iter().find(|a| a.id == id).ok_or_else(|| {
                invalid("account_id", "no such LinkedIn account in this workspace")
            })?),
            None => accounts.first(),
        };
    let zone: Tz = account
        .and_then(|a| a.pacing.time_zone.parse().ok())
        .unwrap_or(Tz::UTC);
    let today = rules::local_reading(zone, app.now()).date();
    let day = match params.date.trim() {
        "" => today,
        raw => rules::parse_date("date", raw)
            .map_err(|e| UiError::from(revos_app::AppError::from(e)))?,
    };
    let client_id = parse_optional_id("client_id", &params.client_id)?;
    let (first, last) = days_shown(month, day);
    let range =
        DateRange::new(first, last).map_err(|e| UiError::from(revos_app::AppError::from(e)))?;
    let req = CalendarRequest {
        from: Some(range.from.to_string()),
        to: Some(range.to.to_string()),
        client_id,
        account_id: None,
        tz: Some(zone.name().to_owned()),
    };
    let calendar = app.calendar(who, &req).await?;
    let account_id = account.map(|a| a.id);
    let best = match account_id {
        Some(id) => Some(app.best_posting_times(who, Some(id)).await?),
        None => None,
    };
    let best_hours: HashSet<u32> = best
        .iter()
        .flat_map(|b| b.slots.iter().map(|s| s.hour_of_week()))
        .collect();
    let cards: Vec<(NaiveDateTime, Value)> = calendar
        .items
        .iter()
        .map(|i| card(i, zone, account_id, agency))
        .collect();
    let account_param = account_id.map(|a| a.to_string()).unwrap_or_default();
    let here = CalendarParams {
        view: if month { "month" } else { "week" }.to_owned(),
        date: day.to_string(),
        account_id: account_param.clone(),
        client_id: params.client_id.trim().to_owned(),
        slot: String::new(),
    };
    let slot_link = |t: NaiveDateTime| {
        let slot = query_string(&[("slot", &slot_value(t))]);
        format!("{}&{slot}#schedule-slot", page_url(&here))
    };
    let can_schedule = agency && account_id.is_some();
    let days: Vec<NaiveDate> = range
        .from
        .iter_days()
        .take_while(|d| *d <= range.to)
        .collect();
    let day_ctx = |d: NaiveDate, hour: Option<u32>| {
        let in_cell: Vec<Value> = cards
            .iter()
            .filter(|(t, _)| t.date() == d && hour.is_none_or(|h| t.hour() == h))
            .map(|(_, c)| c.clone())
            .collect();
        let slot_time = d.and_hms_opt(hour.unwrap_or(9), 0, 0).unwrap_or_default();
        let how = rules::hour_of_week(slot_time);
        let label = format!(
            "{} {}{}",
            WEEKDAY_LABELS[d.weekday().num_days_from_monday() as usize],
            d.format("%-d %b"),
            hour.map(|h| format!(" {h:02}:00")).unwrap_or_default()
        );
        context! {
            slot => slot_value(slot_time),
            label => label,
            best => hour.is_some() && best_hours.contains(&how),
            today => d == today,
            other_month => month && d.month() != day.month(),
            cards => in_cell,
            schedule_link => can_schedule.then(|| slot_link(slot_time)),
        }
    };
    let rows: Vec<Value> = if month {
        days.chunks(7)
            .map(|week| context! { days => week.iter().map(|d| day_ctx(*d, None)).collect::<Vec<_>>() })
            .collect()
    } else {
        (0..24)
            .map(|h| {
                context! {
                    hour => format!("{h:02}:00"),
                    days => days.iter().map(|d| day_ctx(*d, Some(h))).collect::<Vec<_>>(),
                }
            })
            .collect()
    };
    let slot = match params.slot.trim() {
        "" => None,
        raw => Some(
            rules::parse_local("slot", raw)
                .map_err(|e| UiError::from(revos_app::AppError::from(e)))?,
        ),
    };
    let schedulable: Vec<Value> = if can_schedule && (slot.is_some() || failed.is_some()) {
        app.list_posts(who, Some(PostStatus::Approved), ALL)
            .await?
            .items
            .into_iter()
            .filter(|p| p.linkedin_account_id.is_none() || p.linkedin_account_id == account_id)
            .map(|p| context! { id => p.id.to_string(), label => revos_domain::post::first_line(&p.body, 80) })
            .collect()
    } else {
        Vec::new()
    };
    let step = |forward: bool| {
        let d = match (month, forward) {
            (true, true) => day.checked_add_months(chrono::Months::new(1)),
            (true, false) => day.checked_sub_months(chrono::Months::new(1)),
            (false, true) => day.checked_add_signed(Duration::days(7)),
            (false, false) => day.checked_sub_signed(Duration::days(7)),
        }
        .unwrap_or(day);
        let mut p = here.clone();
        p.date = d.to_string();
        page_url(&p)
    };
    let switch_view = {
        let mut p = here.clone();
        p.view = if month { "week" } else { "month" }.to_owned();
        page_url(&p)
    };
    let title = if month {
        day.format("%B %Y").to_string()
    } else {
        format!("Week of {}", range.from.format("%-d %B %Y"))
    };
    page(
        state,
        signed,
        "calendar.html",
        "calendar",
        context! {
            title => title,
            month => month,
            view => here.view.clone(),
            date => here.date.clone(),
            client_id => here.client_id.clone(),
            account_id => account_param,
            time_zone => zone.name(),
            weekdays => days.iter().take(7).map(|d| format!("{} {}", WEEKDAY_LABELS[d.weekday().num_days_from_monday() as usize], if month { String::new() } else { d.format("%-d %b").to_string() })).collect::<Vec<_>>(),
            rows => rows,
            accounts => accounts.iter().map(|a| context! { id => a.id.to_string(), name => a.display_name.clone(), time_zone => a.pacing.time_zone.clone() }).collect::<Vec<_>>(),
            clients => app.list_cartridges(who, ALL).await?.items.into_iter().map(|c| context! { id => c.id.0.to_string(), name => c.spec.name }).collect::<Vec<_>>(),
            can_schedule => can_schedule,
            slot => slot.map(slot_value).or_else(|| failed.map(|f| f.values.local_at.clone())),
            schedulable => schedulable,
            best => best.as_ref().map(best_ctx),
            prev_link => step(false),
            next_link => step(true),
            today_link => { let mut p = here.clone(); p.date = today.to_string(); page_url(&p) },
            switch_view => switch_view,
            truncated => calendar.truncated,
            failed => failed.map(|f| Value::from(Serde(f))),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> NaiveDate {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weeks_run_monday_to_sunday_and_months_cover_whole_weeks() {
        assert_eq!(
            days_shown(false, d("2026-12-09")),
            (d("2026-12-07"), d("2026-12-13"))
        );
        assert_eq!(
            days_shown(false, d("2026-12-13")),
            (d("2026-12-07"), d("2026-12-13"))
        );
        // December 2026 starts on a Tuesday and ends on a Thursday.
        assert_eq!(
            days_shown(true, d("2026-12-20")),
            (d("2026-11-30"), d("2027-01-03"))
        );
        let (from, to) = days_shown(true, d("2026-02-10"));
        assert!((to - from).num_days() < rules::MAX_RANGE_DAYS);
    }

    #[test]
    fn the_page_links_keep_its_filters() {
        let p = CalendarParams {
            view: "month".into(),
            date: "2026-12-09".into(),
            account_id: String::new(),
            client_id: String::new(),
            slot: "x".into(),
        };
        assert_eq!(page_url(&p), "/calendar?view=month&date=2026-12-09");
    }
}
