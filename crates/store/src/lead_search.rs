//! Lead search: the folded text each lead is searched by, kept current by the lead writers,
//! backfilled for leads stored before it existed, and the list filter that finds a term in it.
//!
//! The text is folded in Rust ([`revos_domain::search_text`], the trigger matcher's folding),
//! so both backends agree on what "José" matches. Each backend indexes it its own way, kept
//! in sync by triggers on `leads` (migrations `0017_lead_search` on PostgreSQL,
//! `0016_lead_search` on SQLite):
//!
//! - PostgreSQL: a `pg_trgm` GIN index on the table `lead_search`, read through the view
//!   `lead_search_scoped` (see the migration for why a second table: row-level security keeps
//!   the planner from using an index for `LIKE` on `leads` itself). The best plan depends on
//!   the term (the trigram index for a rare one, a walk in id order for a common one), so a
//!   search is never run from a cached generic plan, which walks for every term (2.1 s for a
//!   rare term at 1M leads): its statement is not kept prepared.
//! - SQLite: an FTS5 trigram index for terms of three characters or more; shorter terms scan
//!   `leads.search_text` (a trigram index cannot serve them). The index gives every match
//!   (a third of the leads for a common term: 90 ms at 200k leads) before the first page can
//!   be read in id order, so the list first walks a bounded stretch of leads testing
//!   `search_text` itself and seeks through the index only when that did not fill the page
//!   (see [`crate::lead_list_sql`]).

use crate::lead_list_sql::Plan;
use crate::sql_builder::{Bind, SqlBuilder};
use crate::tx::{TxInner, on_conn};
use crate::{Backend, Result, Store, Tx};
use revos_domain::TenantId;
use revos_domain::search_text::{lead_search_text, search_term};
use uuid::Uuid;

/// The fewest characters a trigram index can look up.
const TRIGRAM: usize = 3;

/// Leads folded per transaction by [`backfill`].
const BACKFILL_BATCH: usize = 1000;

/// True when `term` is looked up in the backend's index rather than tested lead by lead:
/// always on PostgreSQL, on SQLite when it folds to at least three characters.
pub(crate) fn indexed(backend: Backend, term: &str) -> bool {
    search_term(term).is_some_and(|t| backend == Backend::Postgres || t.chars().count() >= TRIGRAM)
}

/// ` AND`s to `b` the condition that a lead `l` of `tenant` contains `term` (accents and
/// case ignored) in its name, email, company, title or headline: on SQLite through the
/// trigram index for [`Plan::Seek`], by testing each lead's text for a walk; on PostgreSQL
/// through the trigram view, told the keyset `after` (it cannot infer it from the join).
/// Adds nothing when the term folds to nothing: every lead matches. Returns whether a
/// condition was added (such a query must not be kept prepared, see the module doc).
pub(crate) fn push_filter(
    b: &mut SqlBuilder,
    backend: Backend,
    tenant: TenantId,
    term: &str,
    plan: Plan,
    after: Option<Uuid>,
) -> bool {
    let Some(term) = search_term(term) else {
        return false;
    };
    match backend {
        Backend::Postgres => {
            b.push(" AND l.id IN (SELECT s.lead_id FROM lead_search_scoped s WHERE s.tenant_id = ")
                .bind(Bind::Uuid(tenant.0))
                .push(" AND s.search_text LIKE ")
                .bind(Bind::Text(like_pattern(&term)))
                .push(" ESCAPE '\\'");
            if let Some(after) = after {
                b.push(" AND s.lead_id > ").bind(Bind::Uuid(after));
            }
            b.push(")");
        }
        Backend::Sqlite if plan == Plan::Seek && term.chars().count() >= TRIGRAM => {
            b.push(
                " AND l.id IN (SELECT r.lead_id FROM lead_search \
                 JOIN lead_search_rows r ON r.id = lead_search.rowid WHERE lead_search MATCH ",
            )
            .bind(Bind::Text(fts_phrase(&term)))
            .push(")");
        }
        Backend::Sqlite => {
            b.push(
                " AND COALESCE(l.search_text, LOWER(concat_ws(char(10), l.name, l.email, l.company, \
                 l.title, l.headline))) LIKE ",
            )
            .bind(Bind::Text(like_pattern(&term)))
            .push(" ESCAPE '\\'");
        }
    }
    true
}

/// Which backend a transaction runs on.
pub(crate) fn backend(tx: &Tx) -> Backend {
    match tx.inner {
        TxInner::Sqlite(_) => Backend::Sqlite,
        TxInner::Postgres(_) => Backend::Postgres,
    }
}

/// A `LIKE` pattern matching `term` anywhere, its pattern characters escaped with `\`.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// An FTS5 query matching `term` as one phrase: with the trigram tokenizer, anywhere in the
/// text. Inside the quotes FTS5 syntax means nothing; a quote is written twice.
fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// The folded text of a lead with these fields.
pub(crate) fn text_of(
    name: &str,
    email: Option<&str>,
    company: Option<&str>,
    title: Option<&str>,
    headline: Option<&str>,
) -> String {
    lead_search_text(&[Some(name), email, company, title, headline])
}

/// A lead's searched columns as a statement left them (`RETURNING id, name, email, company,
/// title, headline, search_text`), with the folded text stored beside them.
#[derive(sqlx::FromRow)]
pub(crate) struct Searched {
    id: Uuid,
    name: String,
    email: Option<String>,
    company: Option<String>,
    title: Option<String>,
    headline: Option<String>,
    search_text: Option<String>,
}

impl Searched {
    fn folded(&self) -> String {
        text_of(
            &self.name,
            self.email.as_deref(),
            self.company.as_deref(),
            self.title.as_deref(),
            self.headline.as_deref(),
        )
    }
}

/// Stores the folded text of a lead of `tenant` as a write just left it, unless it is
/// stored already: every write of a searched column calls this in its transaction.
pub(crate) async fn store_text(tx: &mut Tx, tenant: TenantId, lead: &Searched) -> Result<()> {
    let folded = lead.folded();
    if lead.search_text.as_deref() == Some(folded.as_str()) {
        return Ok(());
    }
    const SQL: &str = "UPDATE leads SET search_text = $3 WHERE tenant_id = $1 AND id = $2";
    on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(lead.id).bind(&folded).execute(c).await?.rows_affected());
    Ok(())
}

/// Folds the text of every lead that has none yet (stored before the search column existed,
/// or by an older binary), in id order, [`BACKFILL_BATCH`] leads per transaction, across all
/// tenants; returns how many. Idempotent: a second run finds nothing to do. Until a lead is
/// folded, its index entry holds its lower-cased fields (see the migrations).
pub(crate) async fn backfill(store: &Store) -> Result<u64> {
    const SELECT: &str = "SELECT id, name, email, company, title, headline, search_text FROM leads \
        WHERE search_text IS NULL AND id > $1 ORDER BY id LIMIT $2";
    let mut after = Uuid::nil();
    let mut done = 0;
    loop {
        let mut tx = store.begin_system().await?;
        let rows: Vec<Searched> = on_conn!(tx, c => sqlx::query_as(SELECT).bind(after)
            .bind(BACKFILL_BATCH as i64).fetch_all(c).await?);
        let Some(last) = rows.last() else {
            return Ok(done);
        };
        after = last.id;
        let values: Vec<String> = (0..rows.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        // Only rows still unfolded: a writer that stored a fresher text meanwhile wins.
        let sql = format!(
            "UPDATE leads SET search_text = v.column2 FROM (VALUES {}) AS v \
             WHERE leads.id = v.column1 AND leads.search_text IS NULL",
            values.join(", ")
        );
        let folded: Vec<(Uuid, String)> = rows.iter().map(|r| (r.id, r.folded())).collect();
        on_conn!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (id, text) in &folded {
                q = q.bind(*id).bind(text);
            }
            q.execute(c).await?.rows_affected()
        });
        tx.commit().await?;
        done += rows.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::{fts_phrase, like_pattern};

    #[test]
    fn like_patterns_escape_pattern_characters() {
        assert_eq!(like_pattern("acme"), "%acme%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn fts_phrases_quote_the_term() {
        assert_eq!(fts_phrase("jose muller"), "\"jose muller\"");
        assert_eq!(fts_phrase("a\"b OR c*"), "\"a\"\"b OR c*\"");
    }
}
