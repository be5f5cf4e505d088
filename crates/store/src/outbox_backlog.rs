//! The backlog of every outbox (work written in a transaction and shipped later by a
//! worker), for `/metrics`: one `SELECT` per outbox, each over its own partial index, joined
//! into one statement.
//!
//! Adding an outbox is one more line in [`OUTBOXES`]: its name, the column saying when a row
//! was written, and the table and condition of its pending rows (with an index on the
//! pending rows).

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};

/// Each outbox: its name (the `outbox` label), when a row was written, and `FROM` its
/// pending rows.
const OUTBOXES: &[(&str, &str, &str)] = &[
    // Notifications waiting for a workspace's Slack digest (`notifications_slack_pending`).
    (
        "slack_digest",
        "created_at",
        "notifications WHERE slack_state = 'pending'",
    ),
    // Outgoing-webhook deliveries not yet delivered or given up (`webhook_deliveries_due`).
    (
        "webhooks",
        "created_at",
        "webhook_deliveries WHERE state = 'pending'",
    ),
    // Events waiting for PostHog: every row, deleted once sent, written in the transaction
    // of its event (`analytics_outbox_occurred`).
    ("analytics", "occurred_at", "analytics_outbox"),
];

/// One outbox's backlog.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Backlog {
    /// The outbox.
    pub outbox: String,
    /// Rows waiting to be shipped.
    pub pending: i64,
    /// When the oldest of them was written.
    pub oldest: Option<DateTime<Utc>>,
}

/// The backlog of every outbox, across workspaces (needs a system transaction).
pub async fn all(tx: &mut Tx) -> Result<Vec<Backlog>> {
    let sql = OUTBOXES
        .iter()
        .map(|(name, written, from)| {
            format!(
                "SELECT '{name}' AS outbox, COUNT(*) AS pending, MIN({written}) AS oldest FROM {from}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    Ok(on_conn!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await?))
}
