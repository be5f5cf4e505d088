//! The content calendar: a workspace's posts over a span of days (drafts and posts waiting for
//! approval by their last change, scheduled posts by their time, published ones by when they
//! went out), each with its time in UTC and in its account's time zone and its feed preview;
//! and the best posting times learnt from the workspace's published posts' counts. A client
//! sees only the statuses `PostStatus::shown_to_clients` allows.

use crate::{App, Principal, Result};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use revos_domain::calendar::{self as rules, BestTimes, DateRange, HourCounts};
use revos_domain::post::{PostStatus, first_line};
use revos_domain::post_preview::{PostPreview, preview};
use revos_domain::{CartridgeId, TenantId, ValidationErrors};
use revos_store::calendar::{self as store, CalendarFilter};
use revos_store::{Tx, cartridges, linkedin_accounts};
use serde::Serialize;
use uuid::Uuid;

/// The longest first line a calendar card shows.
const FIRST_LINE_CHARS: usize = 80;

/// What a calendar read asks for, as sent (checked by [`App::calendar`]).
#[derive(Clone, Debug, Default)]
pub struct CalendarRequest {
    /// The first day, `YYYY-MM-DD` (required).
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (required; at most 62 days after `from`, counting both).
    pub to: Option<String>,
    /// Only this client's (cartridge's) posts.
    pub client_id: Option<Uuid>,
    /// Only this LinkedIn account's posts; its time zone is then the default of `tz`.
    pub account_id: Option<Uuid>,
    /// The IANA time zone the days are read in (default: the account's, else UTC).
    pub tz: Option<String>,
}

/// A post placed on the calendar.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarItem {
    /// The post.
    pub id: Uuid,
    /// Its status.
    pub status: PostStatus,
    /// Its first line, cut to 80 characters.
    pub first_line: String,
    /// The account it is published from.
    pub account_id: Option<Uuid>,
    /// The account's name.
    pub account_name: Option<String>,
    /// Its client (cartridge).
    pub client_id: Option<Uuid>,
    /// The client's name.
    pub client_name: Option<String>,
    /// Where it is placed, in UTC: when published, its scheduled time, or its last change.
    pub at: DateTime<Utc>,
    /// The time zone of `local_at`: its account's, else the calendar's.
    pub time_zone: String,
    /// `at` on the clocks of `time_zone`, `YYYY-MM-DDTHH:MM`.
    pub local_at: String,
    /// How it looks in the feed: the "…see more" fold and its length.
    pub preview: PostPreview,
}

/// The posts of a span of days.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Calendar {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// The time zone the days are read in.
    pub time_zone: String,
    /// The posts, in time order.
    pub items: Vec<CalendarItem>,
    /// True when there were more than 2000 posts and the later ones were left out.
    pub truncated: bool,
}

impl App {
    /// The posts of `who`'s workspace over the requested days (one query), each with its
    /// time in UTC and in its account's time zone. Bad input is refused naming the field.
    pub async fn calendar(&self, who: &Principal, req: &CalendarRequest) -> Result<Calendar> {
        let range = DateRange::parse(req.from.as_deref(), req.to.as_deref());
        let tz = req
            .tz
            .as_deref()
            .map(|raw| rules::parse_zone("tz", raw))
            .transpose();
        let (range, tz) = match (range, tz) {
            (Ok(range), Ok(tz)) => (range, tz),
            (range, tz) => {
                let errors = [range.err(), tz.err()].into_iter().flatten();
                return Err(ValidationErrors(errors.flat_map(|e| e.0).collect()).into());
            }
        };
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let account_zone = self
            .account_zone(&mut tx, who.tenant, req.account_id)
            .await?;
        if let Some(c) = req.client_id
            && cartridges::get(&mut tx, who.tenant, CartridgeId(c))
                .await?
                .is_none()
        {
            return Err(
                ValidationErrors::single("client_id", "no such client in this workspace").into(),
            );
        }
        let zone = tz.or(account_zone).unwrap_or(Tz::UTC);
        let (from, to) = range.instants(zone);
        let statuses: Vec<PostStatus> = PostStatus::ALL
            .into_iter()
            .filter(|s| !who.role.is_client() || s.shown_to_clients())
            .collect();
        let filter = CalendarFilter {
            from,
            to,
            cartridge: req.client_id,
            account: req.account_id,
            statuses: &statuses,
        };
        let mut rows =
            store::posts_in_range(&mut tx, who.tenant, &filter, store::MAX_ITEMS + 1).await?;
        let truncated = rows.len() > usize::try_from(store::MAX_ITEMS).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(store::MAX_ITEMS).unwrap_or(usize::MAX));
        let items = rows
            .into_iter()
            .map(|r| {
                let item_zone = r
                    .time_zone
                    .as_deref()
                    .and_then(|z| z.parse::<Tz>().ok())
                    .unwrap_or(zone);
                CalendarItem {
                    id: r.id,
                    status: r.status,
                    first_line: first_line(&r.body, FIRST_LINE_CHARS),
                    account_id: r.linkedin_account_id,
                    account_name: r.account_name,
                    client_id: r.cartridge_id,
                    client_name: r.cartridge_name,
                    at: r.calendar_at,
                    time_zone: item_zone.name().to_owned(),
                    local_at: rules::local_reading(item_zone, r.calendar_at)
                        .format("%Y-%m-%dT%H:%M")
                        .to_string(),
                    preview: preview(&r.body),
                }
            })
            .collect();
        Ok(Calendar {
            from: range.from,
            to: range.to,
            time_zone: zone.name().to_owned(),
            items,
            truncated,
        })
    }

    /// The best posting times in `account`'s time zone (UTC without one), learnt from the
    /// workspace's published posts' reactions and comments: one grouped query, shifted into
    /// the zone over at most 168 buckets.
    pub async fn best_posting_times(
        &self,
        who: &Principal,
        account: Option<Uuid>,
    ) -> Result<BestTimes> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let zone = self
            .account_zone(&mut tx, who.tenant, account)
            .await?
            .unwrap_or(Tz::UTC);
        let counts: Vec<HourCounts> = store::published_by_hour(&mut tx, who.tenant)
            .await?
            .into_iter()
            .map(|r| HourCounts {
                utc_hour_of_week: u32::try_from(r.hour_of_week).unwrap_or(u32::MAX),
                posts: r.posts,
                engagement: r.engagement,
            })
            .collect();
        Ok(rules::best_times(&counts, zone, self.now()))
    }

    /// The time zone of `account`, checked to be the tenant's (`None` without an account).
    async fn account_zone(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        account: Option<Uuid>,
    ) -> Result<Option<Tz>> {
        let Some(id) = account else {
            return Ok(None);
        };
        let row = linkedin_accounts::get(tx, tenant, id)
            .await?
            .ok_or_else(|| {
                ValidationErrors::single("account_id", "no such LinkedIn account in this workspace")
            })?;
        Ok(Some(rules::parse_zone("account_id", &row.time_zone)?))
    }
}
