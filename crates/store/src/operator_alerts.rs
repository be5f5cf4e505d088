//! The operator alerts currently raised: one row per condition while it lasts, so that
//! however many processes check, the operator hears of a condition once when it starts and
//! once when it ends. A system table.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};

/// A raised alert.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RaisedAlert {
    /// What it is about, e.g. `dead_jobs:linkedin`.
    pub condition: String,
    /// What the alert said.
    pub detail: String,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
}

/// Raises `condition`; false when it is already raised (the alert was sent before).
pub async fn raise(tx: &mut Tx, condition: &str, detail: &str, now: DateTime<Utc>) -> Result<bool> {
    const SQL: &str = "INSERT INTO operator_alerts (condition, detail, raised_at) VALUES ($1, $2, $3) \
        ON CONFLICT (condition) DO NOTHING";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(condition).bind(detail).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Clears `condition`; returns the alert when it was raised (a recovery message is due).
pub async fn resolve(tx: &mut Tx, condition: &str) -> Result<Option<RaisedAlert>> {
    const SQL: &str =
        "DELETE FROM operator_alerts WHERE condition = $1 RETURNING condition, detail, raised_at";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(condition).fetch_optional(c).await?))
}

/// Every raised alert.
pub async fn list(tx: &mut Tx) -> Result<Vec<RaisedAlert>> {
    const SQL: &str = "SELECT condition, detail, raised_at FROM operator_alerts ORDER BY condition";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).fetch_all(c).await?))
}
