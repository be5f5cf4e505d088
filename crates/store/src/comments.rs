//! Comments seen on watched posts, recorded once each (the unique key on tenant, post and
//! provider comment id). The monitor records a page of new comments in one multi-row insert
//! that answers with the rows it actually added, so a comment recorded by an earlier pass (or
//! by another worker meanwhile) is skipped without a read before the write.

use crate::tx::on_conn;
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use std::collections::HashMap;
use uuid::Uuid;

/// A comment to record.
pub struct NewComment<'a> {
    /// The provider's comment id.
    pub provider_comment_id: &'a str,
    /// The commenter's provider id.
    pub author_provider_id: &'a str,
    /// The commenter's name.
    pub author_name: &'a str,
    /// The text.
    pub body: &'a str,
}

/// Rows per insert statement (5 binds each: far below either backend's limit).
const CHUNK: usize = 200;

/// Records the comments of our post row `post` of `tenant` that were not recorded yet, in
/// multi-row inserts; returns the ids given to the ones recorded now, by provider comment id
/// (a comment recorded before is absent).
pub async fn record_new(
    tx: &mut Tx,
    tenant: TenantId,
    post: Uuid,
    comments: &[NewComment<'_>],
    now: DateTime<Utc>,
) -> Result<HashMap<String, Uuid>> {
    let mut recorded = HashMap::new();
    for chunk in comments.chunks(CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=5).map(|c| format!("${}", 3 + r * 5 + c)).collect();
                format!("({}, $1, $2, {}, $3, $3)", p[0], p[1..].join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO comments (id, tenant_id, post_id, provider_comment_id, author_provider_id, author_name, \
             body, commented_at, created_at) VALUES {} \
             ON CONFLICT (tenant_id, post_id, provider_comment_id) DO NOTHING \
             RETURNING provider_comment_id, id",
            rows.join(", ")
        );
        let added: Vec<(String, Uuid)> = on_conn!(tx, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(tenant.0)
                .bind(post)
                .bind(now);
            for comment in chunk {
                q = q
                    .bind(Uuid::now_v7())
                    .bind(comment.provider_comment_id)
                    .bind(comment.author_provider_id)
                    .bind(comment.author_name)
                    .bind(comment.body);
            }
            q.fetch_all(c).await?
        });
        recorded.extend(added);
    }
    Ok(recorded)
}
