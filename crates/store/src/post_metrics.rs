//! A published post's counts, read from their columns of `posts` as one part of its row (and
//! of the API's `Post`).

use chrono::{DateTime, Utc};

/// A published post's counts at the last refresh.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostMetrics {
    /// Reactions.
    pub reactions: Option<i64>,
    /// Comments.
    #[sqlx(rename = "comment_count")]
    pub comments: Option<i64>,
    /// Reposts.
    pub reposts: Option<i64>,
    /// Impressions, when the provider gives them.
    pub impressions: Option<i64>,
    /// When they were read.
    #[sqlx(rename = "metrics_refreshed_at")]
    pub refreshed_at: Option<DateTime<Utc>>,
}
