//! The content calendar's two reads: a workspace's posts in a span of time, each by the time
//! it belongs to (published: when it went out; scheduled: its time; any other: its last
//! change), with its account's name and time zone and its cartridge's name, in one query over
//! the `posts_calendar` index; and its published posts' counts grouped by UTC hour of the week,
//! from which the best posting times are learnt.

use crate::tx::{TxInner, on_conn};
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::post::PostStatus;
use uuid::Uuid;

/// The most posts one calendar read returns; more are reported as cut.
pub const MAX_ITEMS: i64 = 2000;

/// A post as the calendar places it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CalendarRow {
    /// The post.
    pub id: Uuid,
    /// Its status.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// Its text.
    pub body: String,
    /// Its cartridge (the client).
    pub cartridge_id: Option<Uuid>,
    /// The cartridge's name.
    pub cartridge_name: Option<String>,
    /// The account it is published from.
    pub linkedin_account_id: Option<Uuid>,
    /// The account's name.
    pub account_name: Option<String>,
    /// The account's IANA time zone.
    pub time_zone: Option<String>,
    /// The time it is placed at.
    pub calendar_at: DateTime<Utc>,
}

/// What a calendar read is narrowed to.
#[derive(Clone, Debug)]
pub struct CalendarFilter<'a> {
    /// Placed at or after this.
    pub from: DateTime<Utc>,
    /// Placed before this.
    pub to: DateTime<Utc>,
    /// Only this cartridge's posts.
    pub cartridge: Option<Uuid>,
    /// Only this account's posts.
    pub account: Option<Uuid>,
    /// Only posts in these statuses.
    pub statuses: &'a [PostStatus],
}

/// The posts of `tenant` placed in `[from, to)` under `filter`, in time order, at most
/// `limit`: one query.
pub async fn posts_in_range(
    tx: &mut Tx,
    tenant: TenantId,
    filter: &CalendarFilter<'_>,
    limit: i64,
) -> Result<Vec<CalendarRow>> {
    let sql = format!(
        "SELECT p.id, p.status, p.body, p.cartridge_id, c.name AS cartridge_name, \
         p.linkedin_account_id, a.display_name AS account_name, a.time_zone, \
         COALESCE(p.published_at, p.scheduled_at, p.updated_at) AS calendar_at \
         FROM posts p \
         LEFT JOIN cartridges c ON c.tenant_id = p.tenant_id AND c.id = p.cartridge_id \
         LEFT JOIN linkedin_accounts a ON a.tenant_id = p.tenant_id AND a.id = p.linkedin_account_id \
         WHERE p.tenant_id = $1 \
         AND COALESCE(p.published_at, p.scheduled_at, p.updated_at) >= $2 \
         AND COALESCE(p.published_at, p.scheduled_at, p.updated_at) < $3 \
         AND ($4 IS NULL OR p.cartridge_id = $4) AND ($5 IS NULL OR p.linkedin_account_id = $5) \
         AND p.status IN ({}) \
         ORDER BY calendar_at, p.id LIMIT $6",
        crate::allowed_from::placeholders(7, filter.statuses.len().max(1))
    );
    Ok(on_conn!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(tenant.0)
            .bind(filter.from)
            .bind(filter.to)
            .bind(filter.cartridge)
            .bind(filter.account)
            .bind(limit);
        if filter.statuses.is_empty() {
            // No status may be shown: a list that matches none.
            q = q.bind("");
        }
        for s in filter.statuses {
            q = q.bind(s.as_str());
        }
        q.fetch_all(c).await?
    }))
}

/// The published posts of one UTC hour of the week.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct HourRow {
    /// 0 is Sunday 00:00 UTC.
    pub hour_of_week: i64,
    /// Published posts with counts.
    pub posts: i64,
    /// Their reactions and comments.
    pub engagement: i64,
}

/// `tenant`'s published posts whose counts were read (simulated ones left out: nobody saw
/// them), grouped by the UTC hour of the week they went out: one grouped query, at most 168
/// rows. The hour is the one expression that differs between the dialects.
pub async fn published_by_hour(tx: &mut Tx, tenant: TenantId) -> Result<Vec<HourRow>> {
    const PG_HOUR: &str = "CAST(EXTRACT(DOW FROM published_at AT TIME ZONE 'UTC') * 24 \
        + EXTRACT(HOUR FROM published_at AT TIME ZONE 'UTC') AS BIGINT)";
    const SQLITE_HOUR: &str = "CAST(strftime('%w', published_at) AS INTEGER) * 24 \
        + CAST(strftime('%H', published_at) AS INTEGER)";
    let hour = match &tx.inner {
        TxInner::Postgres(_) => PG_HOUR,
        TxInner::Sqlite(_) => SQLITE_HOUR,
    };
    let sql = format!(
        "SELECT {hour} AS hour_of_week, COUNT(*) AS posts, \
         CAST(COALESCE(SUM(COALESCE(reactions, 0) + COALESCE(comment_count, 0)), 0) AS BIGINT) AS engagement \
         FROM posts WHERE tenant_id = $1 AND status = $2 AND published_at IS NOT NULL \
         AND metrics_refreshed_at IS NOT NULL AND NOT is_sandbox \
         GROUP BY 1 ORDER BY 1"
    );
    Ok(
        on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(tenant.0)
        .bind(PostStatus::Published.as_str())
        .fetch_all(c)
        .await?),
    )
}
