//! The lead pages: the filtered, searchable list with cursor pagination and a CSV export that
//! keeps the filters, one lead with its campaigns and timeline, and putting a lead on the
//! do-not-contact list. Reads and changes go through the same use cases as the API.

use super::next_path::same_origin_path;
use super::page_params::{parse_id, query_string, when, with_query};
use super::render::{UiError, page};
use super::session::Signed;
use crate::state::AppState;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Days, NaiveDate};
use minijinja::value::Serde;
use minijinja::{Value, context};
use revos_app::do_not_contact::DoNotContactRequest;
use revos_app::leads::{LeadFilter, TimelineEntry};
use revos_domain::PageRequest;
use revos_domain::lead::LeadStage;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The stages a lead can be at, for the stage filter, with their labels.
const STAGES: [(LeadStage, &str); 9] = [
    (LeadStage::Scraped, "Scraped"),
    (LeadStage::Enriched, "Enriched"),
    (LeadStage::AwaitingConnection, "Awaiting connection"),
    (LeadStage::DmQueued, "DM queued"),
    (LeadStage::DmSent, "DM sent"),
    (LeadStage::Replied, "Replied"),
    (LeadStage::EmailSequenced, "Email sequenced"),
    (LeadStage::EmailReplied, "Email replied"),
    (LeadStage::OptedOut, "Opted out"),
];

/// Problems with a form's fields, as (field id, message).
type FieldErrors = Vec<(String, String)>;

/// How many leads a page lists.
const PAGE_SIZE: u32 = 50;

/// The list's filters as the GET form sends them (every one optional).
#[derive(Deserialize, Default)]
pub(super) struct LeadQuery {
    #[serde(default)]
    campaign_id: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    after: String,
}

impl LeadQuery {
    /// The filters as (parameter, value) pairs, trimmed, without the page cursor.
    pub(super) fn filters_pairs(&self) -> [(&'static str, &str); 6] {
        [
            ("campaign_id", self.campaign_id.trim()),
            ("stage", self.stage.trim()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
            ("q", self.q.trim()),
            ("tag", self.tag.trim()),
        ]
    }

    /// The query string of these filters (without the page cursor).
    pub(super) fn filters_query(&self) -> String {
        query_string(&self.filters_pairs())
    }

    /// The app's filter and the page cursor, or each field at fault (by form field id).
    pub(super) fn parse(&self) -> Result<(LeadFilter, Option<Uuid>), FieldErrors> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: &str| errors.push((field.into(), message.into()));
        let campaign_id = match self.campaign_id.trim() {
            "" => None,
            raw => Uuid::parse_str(raw)
                .map_err(|_| bad("campaign_id", "choose a campaign from the list"))
                .ok(),
        };
        let stage = match self.stage.trim() {
            "" => None,
            raw => LeadStage::parse(raw)
                .ok_or(())
                .map_err(|_| bad("stage", "choose a stage from the list"))
                .ok(),
        };
        let date = |raw: &str| NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
        let from = match self.from.trim() {
            "" => None,
            raw => {
                let d = date(raw);
                if d.is_none() {
                    bad("from", "must be a date as YYYY-MM-DD");
                }
                d
            }
        };
        let to = match self.to.trim() {
            "" => None,
            raw => {
                let d = date(raw);
                if d.is_none() {
                    bad("to", "must be a date as YYYY-MM-DD");
                }
                d
            }
        };
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            bad("to", "must not be before the from date");
        }
        let after = match self.after.trim() {
            "" => None,
            raw => Uuid::parse_str(raw)
                .map_err(|_| bad("after", "is not a page of this list"))
                .ok(),
        };
        let q = self.q.trim();
        let tag = self.tag.trim();
        if !errors.is_empty() {
            return Err(errors);
        }
        let start_of = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Ok((
            LeadFilter {
                campaign_id,
                stage,
                q: (!q.is_empty()).then(|| q.to_owned()),
                tag: (!tag.is_empty()).then(|| tag.to_owned()),
                do_not_contact: None,
                since: from.and_then(start_of),
                // Through the whole `to` day.
                until: to
                    .and_then(|d| d.checked_add_days(Days::new(1)))
                    .and_then(start_of),
            },
            after,
        ))
    }
}

/// Each tag with the link to the leads carrying it.
pub(super) fn tag_links(tags: &[String]) -> Vec<Value> {
    tags.iter()
        .map(|t| context! { name => t, url => with_query("/leads", &query_string(&[("tag", t)])) })
        .collect()
}

/// `GET /leads`: the filter form, the matching leads and the links to the next page and to
/// the CSV export.
pub(super) async fn list(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<Query<LeadQuery>, QueryRejection>,
) -> Result<Response, UiError> {
    let Query(query) = query.map_err(|e| UiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let app = &state.app;
    let campaigns = app
        .list_campaigns(
            &signed.who,
            None,
            PageRequest {
                limit: PageRequest::MAX_LIMIT,
                after: None,
            },
        )
        .await?
        .items;
    let campaign_names: HashMap<Uuid, String> = campaigns
        .iter()
        .map(|c| (c.id, c.spec.name.clone()))
        .collect();
    let campaign_options: Vec<Value> = campaigns
        .iter()
        .map(|c| context! { id => c.id.to_string(), name => c.spec.name.clone(), sandbox => c.sandbox })
        .collect();
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut rows = Vec::new();
    let mut next_url = None;
    match query.parse() {
        Err(e) => errors = e,
        Ok((filter, after)) => {
            let req = PageRequest {
                limit: PAGE_SIZE,
                after,
            };
            match app.list_leads(&signed.who, &filter, req).await {
                Ok(found) => {
                    let ids: Vec<Uuid> = found.items.iter().map(|l| l.id).collect();
                    let stages = app.campaigns_of_leads(&signed.who, &ids).await?;
                    for (lead, in_campaigns) in found.items.iter().zip(stages) {
                        let campaigns: Vec<Value> = in_campaigns
                            .iter()
                            .filter(|c| filter.campaign_id.is_none_or(|f| f == c.campaign_id))
                            .map(|c| context! {
                                id => c.campaign_id.to_string(),
                                name => campaign_names.get(&c.campaign_id).cloned().unwrap_or_else(|| c.name.clone()),
                                stage => c.stage.as_str(),
                            })
                            .collect();
                        rows.push(context! {
                            id => lead.id.to_string(), name => lead.name.clone(),
                            headline => lead.headline.clone(), company => lead.company.clone(),
                            title => lead.title.clone(), email => lead.email.clone(), email_status => lead.email_status.clone(),
                            sandbox => lead.sandbox, do_not_contact => lead.do_not_contact,
                            campaigns => campaigns, tags => tag_links(lead.tags.as_deref().unwrap_or_default()),
                        });
                    }
                    if let Some(next) = found.next_after {
                        let filters = query.filters_query();
                        let sep = if filters.is_empty() { "" } else { "&" };
                        next_url =
                            Some(with_query("/leads", &format!("{filters}{sep}after={next}")));
                    }
                }
                Err(err) => {
                    let e = UiError::from(err);
                    if e.status() != StatusCode::UNPROCESSABLE_ENTITY {
                        return Err(e);
                    }
                    errors = e.field_errors().to_vec();
                }
            }
        }
    }
    let filters = query.filters_query();
    let this_url = with_query("/leads", &filters);
    let export_url = with_query("/leads/export.csv", &filters);
    let bulk_url = with_query("/leads/bulk", &filters);
    let tag_names = app.lead_tag_names(&signed.who).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let stages: Vec<Value> = STAGES
        .iter()
        .map(|&(key, label)| context! { key => key.as_str(), label => label })
        .collect();
    let html = page(
        &state,
        &signed,
        "leads.html",
        "leads",
        context! {
            f => context! {
                campaign_id => query.campaign_id.trim(), stage => query.stage.trim(),
                from => query.from.trim(), to => query.to.trim(), q => query.q.trim(),
                tag => query.tag.trim(), paged => !query.after.trim().is_empty(),
            },
            tag_names => tag_names, bulk_url => bulk_url,
            bulk => context! { action => "", tag => "", campaign => "" },
            campaigns => campaign_options, stages => stages, leads => rows,
            errors => Value::from(Serde(&errors)),
            next_url => next_url, export_url => export_url, this_url => this_url,
        },
    )
    .await?;
    Ok((status, html).into_response())
}

/// `GET /leads/export.csv`: every lead matching the list's filters, as the API's CSV.
pub(super) async fn export(
    State(state): State<AppState>,
    signed: Signed,
    query: Result<Query<LeadQuery>, QueryRejection>,
) -> Result<Response, UiError> {
    let Query(query) = query.map_err(|e| UiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let Ok((filter, _)) = query.parse() else {
        // The list shows what is wrong with the filters.
        return Ok(Redirect::to(&format!("/leads?{}", query.filters_query())).into_response());
    };
    let export = state.app.export_leads(&signed.who, &filter).await?;
    Ok(crate::routes::leads::csv_download(export))
}

/// A label for an event kind: words apart, the first capitalised, abbreviations in capitals
/// (`dm_sent` is "DM sent", `llm_budget_exceeded` "LLM budget exceeded").
fn event_label(kind: &str) -> String {
    let words: Vec<String> = kind
        .split(['_', '.'])
        .filter(|w| !w.is_empty())
        .enumerate()
        .map(|(i, w)| match w {
            "dm" | "dms" | "llm" | "api" | "url" | "csv" => {
                w.to_ascii_uppercase().replace("DMS", "DMs")
            }
            _ if i == 0 => {
                let mut w = w.to_owned();
                if let Some(first) = w.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                w
            }
            _ => w.to_owned(),
        })
        .collect();
    words.join(" ")
}

/// `GET /leads/{id}`: the person, their campaigns and stages, and their timeline.
pub(super) async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(raw): Path<String>,
) -> Result<Response, UiError> {
    let id = parse_id(&raw, "lead")?;
    let detail = state.app.get_lead(&signed.who, id).await?;
    let names: HashMap<Uuid, String> = detail
        .campaigns
        .iter()
        .map(|c| (c.campaign_id, c.name.clone()))
        .collect();
    let campaign_of = |c: &Option<Uuid>| {
        c.map(|id| context! { id => id.to_string(), name => names.get(&id).cloned().unwrap_or_else(|| "another campaign".into()) })
    };
    let timeline: Vec<Value> = detail
        .timeline
        .iter()
        .map(|e| match e {
            TimelineEntry::Event {
                at,
                kind,
                campaign_id,
                cost,
                data,
            } => context! {
                type => "event", at => at.to_rfc3339(), when => when(*at), label => event_label(kind),
                kind => kind, campaign => campaign_of(campaign_id),
                reason => data.get("reason").and_then(|r| r.as_str()).map(|r| r.replace('_', " ")),
                cost => (*cost > 0.0).then(|| format!("${cost:.4}")),
            },
            TimelineEntry::Message {
                at,
                campaign_id,
                channel,
                direction,
                status,
                body,
            } => context! {
                type => "message", at => at.to_rfc3339(), when => when(*at),
                label => format!("{} {}", if channel == "dm" { "DM" } else { "Email" }, if direction == "in" { "received" } else { "to them" }),
                campaign => campaign_of(campaign_id), status => status, body => body, direction => direction,
            },
        })
        .collect();
    let campaigns: Vec<Value> = detail
        .campaigns
        .iter()
        .map(|c| context! {
            id => c.campaign_id.to_string(), name => c.name.clone(), stage => c.stage.as_str(), joined => when(c.joined_at),
            opened => c.magnet_opened_at.map(when), opens => c.magnet_open_count,
        })
        .collect();
    let html = page(
        &state,
        &signed,
        "lead.html",
        "leads",
        context! {
            lead => Value::from(Serde(&detail.lead)), campaigns => campaigns, timeline => timeline,
            // Profile data comes from strangers: only web links become links.
            linkedin_link => detail.lead.linkedin_url.as_deref()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            this_url => format!("/leads/{id}"),
            tags => tag_links(&detail.tags), tags_text => detail.tags.join(", "),
            can_erase => signed.who.role.can_administer(),
        },
    )
    .await?;
    Ok(html.into_response())
}

/// The do-not-contact button's fields.
#[derive(Deserialize)]
pub(super) struct DoNotContactForm {
    #[serde(default)]
    _csrf: String,
    next: Option<String>,
}

/// `POST /leads/{id}/do-not-contact`: puts the lead on the list, then back to the page the
/// button was on.
pub(super) async fn do_not_contact(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<DoNotContactForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&raw, "lead")?;
    let req = DoNotContactRequest {
        lead_id: Some(id),
        provider_id: None,
        name: None,
    };
    state.app.add_do_not_contact(&signed.who, &req).await?;
    let to = same_origin_path(form.next.as_deref())
        .map_or_else(|| format!("/leads/{id}"), str::to_owned);
    Ok(Redirect::to(&to).into_response())
}

#[cfg(test)]
mod tests {
    use super::event_label;
    use revos_domain::lead::LeadStage;

    #[test]
    fn event_labels_keep_abbreviations_in_capitals() {
        assert_eq!(event_label(LeadStage::DmSent.as_str()), "DM sent");
        assert_eq!(event_label("lead_dm_replied"), "Lead DM replied");
        assert_eq!(event_label("llm_budget_exceeded"), "LLM budget exceeded");
        assert_eq!(event_label("lead_scraped"), "Lead scraped");
        assert_eq!(event_label("email.bounced"), "Email bounced");
    }
}

/// The tag form's fields.
#[derive(Deserialize)]
pub(super) struct TagsForm {
    #[serde(default)]
    _csrf: String,
    /// The tags, separated by commas.
    #[serde(default)]
    tags: String,
}

/// `POST /leads/{id}/tags`: replaces the lead's tags, then back to its page.
pub(super) async fn set_tags(
    State(state): State<AppState>,
    signed: Signed,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<TagsForm>,
) -> Result<Response, UiError> {
    signed.check_form(&headers, &form._csrf)?;
    let id = parse_id(&raw, "lead")?;
    let tags: Vec<String> = form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    state.app.set_lead_tags(&signed.who, id, &tags).await?;
    Ok(Redirect::to(&format!("/leads/{id}")).into_response())
}
