//! Bulk actions on the leads a list filter selects (issue 21, item 4): each change is one
//! statement over the list's own selection ([`lead_list_sql::push_selection`]) narrowed to
//! the leads it would change, so a few thousand leads cost one round trip and never a query
//! per lead. The same narrowing counts a dry run: how many leads match, and how many of them
//! the action would change.

use crate::lead_list_sql::push_selection;
use crate::lead_queries::LeadFilter;
use crate::sql_builder::{Bind, SqlBuilder, bind_each};
use crate::tx::on_conn;
use crate::{Result, Tx, lead_search};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use uuid::Uuid;

/// The most tags a lead carries; a tag action passes over leads that have as many.
pub const MAX_TAGS_PER_LEAD: i64 = revos_domain::lead_tag::MAX_TAGS_PER_LEAD as i64;

/// What a bulk action does to each selected lead.
#[derive(Clone, Copy, Debug)]
pub enum BulkChange<'a> {
    /// Adds this (normalised) tag.
    Tag(&'a str),
    /// Removes this tag.
    Untag(&'a str),
    /// Puts the lead on the do-not-contact list.
    DoNotContact,
    /// Lets the lead enter this campaign (the caller queues the entry).
    AddToCampaign(Uuid),
}

/// ` AND` the conditions under which `change` changes the lead `l`: the tag is missing (and
/// the lead has room for it), present, the lead is not on the list yet, or it may be
/// contacted and is not in the campaign.
fn push_changes(b: &mut SqlBuilder, tenant: TenantId, change: BulkChange<'_>) {
    const HAS_TAG: &str = "EXISTS (SELECT 1 FROM lead_tags x WHERE x.tenant_id = l.tenant_id AND x.lead_id = l.id AND x.tag = ";
    match change {
        BulkChange::Tag(tag) => {
            b.push(" AND NOT ")
                .push(HAS_TAG)
                .bind(Bind::Text(tag.to_owned()))
                .push(
                    ") AND (SELECT COUNT(*) FROM lead_tags y \
                     WHERE y.tenant_id = l.tenant_id AND y.lead_id = l.id) < ",
                )
                .bind(Bind::Int(MAX_TAGS_PER_LEAD));
        }
        BulkChange::Untag(tag) => {
            b.push(" AND ")
                .push(HAS_TAG)
                .bind(Bind::Text(tag.to_owned()))
                .push(")");
        }
        BulkChange::DoNotContact => {
            b.push(" AND l.do_not_contact = ").bind(Bind::Bool(false));
        }
        BulkChange::AddToCampaign(campaign) => {
            b.push(" AND l.do_not_contact = ")
                .bind(Bind::Bool(false))
                .push(" AND NOT EXISTS (SELECT 1 FROM campaign_leads x WHERE x.tenant_id = ")
                .bind(Bind::Uuid(tenant.0))
                .push(" AND x.campaign_id = ")
                .bind(Bind::Uuid(campaign))
                .push(" AND x.lead_id = l.id)");
        }
    }
}

/// How many leads of `tenant` match `filter`, and how many of them `change` would change:
/// one query.
pub async fn count(
    tx: &mut Tx,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    change: BulkChange<'_>,
) -> Result<(i64, i64)> {
    let mut b = SqlBuilder::default();
    b.push("SELECT COUNT(*), COUNT(CASE WHEN 1 = 1");
    push_changes(&mut b, tenant, change);
    b.push(" THEN 1 END)");
    push_selection(&mut b, lead_search::backend(tx), tenant, filter);
    let counts: (i64, i64) = on_conn!(tx, c => bind_each!(
        sqlx::query_as(sqlx::AssertSqlSafe(b.sql())).persistent(false), b.binds()).fetch_one(c).await?);
    Ok(counts)
}

/// Applies a tag, untag or do-not-contact `change` to every lead of `tenant` matching
/// `filter` that it changes, in one statement; returns how many leads changed.
/// [`BulkChange::AddToCampaign`] is [`entering`]'s.
pub async fn apply(
    tx: &mut Tx,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    change: BulkChange<'_>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let backend = lead_search::backend(tx);
    let mut b = SqlBuilder::default();
    match change {
        BulkChange::Tag(tag) => {
            b.push("INSERT INTO lead_tags (tenant_id, lead_id, tag, created_at) SELECT l.tenant_id, l.id, ")
                .bind(Bind::Text(tag.to_owned()))
                .push(", ")
                .bind(Bind::Time(now));
            push_selection(&mut b, backend, tenant, filter);
            push_changes(&mut b, tenant, change);
            b.push(" ON CONFLICT (tenant_id, lead_id, tag) DO NOTHING");
        }
        BulkChange::Untag(tag) => {
            b.push("DELETE FROM lead_tags WHERE tenant_id = ")
                .bind(Bind::Uuid(tenant.0))
                .push(" AND tag = ")
                .bind(Bind::Text(tag.to_owned()))
                .push(" AND lead_id IN (SELECT l.id");
            push_selection(&mut b, backend, tenant, filter);
            b.push(")");
        }
        BulkChange::DoNotContact => {
            b.push("UPDATE leads SET do_not_contact = ")
                .bind(Bind::Bool(true))
                .push(", updated_at = ")
                .bind(Bind::Time(now))
                .push(" WHERE tenant_id = ")
                .bind(Bind::Uuid(tenant.0))
                .push(" AND do_not_contact = ")
                .bind(Bind::Bool(false))
                .push(" AND id IN (SELECT l.id");
            push_selection(&mut b, backend, tenant, filter);
            b.push(")");
        }
        BulkChange::AddToCampaign(_) => {
            return Ok(entering(tx, tenant, filter, change).await?.len() as u64);
        }
    }
    let n = on_conn!(tx, c => bind_each!(
        sqlx::query(sqlx::AssertSqlSafe(b.sql())).persistent(false), b.binds()).execute(c).await?.rows_affected());
    Ok(n)
}

/// The leads of `tenant` matching `filter` that an [`BulkChange::AddToCampaign`] lets in
/// (contactable, not in the campaign yet), in lead order: one query.
pub async fn entering(
    tx: &mut Tx,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    change: BulkChange<'_>,
) -> Result<Vec<Uuid>> {
    let mut b = SqlBuilder::default();
    b.push("SELECT l.id");
    let key = push_selection(&mut b, lead_search::backend(tx), tenant, filter);
    push_changes(&mut b, tenant, change);
    b.push(" ORDER BY ").push(key);
    let ids: Vec<Uuid> = on_conn!(tx, c => bind_each!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(b.sql())).persistent(false), b.binds()).fetch_all(c).await?);
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;

    #[test]
    fn a_tag_is_added_by_one_insert_over_the_selection() {
        let filter = LeadFilter {
            search: Some("acme"),
            ..LeadFilter::default()
        };
        let mut b = SqlBuilder::default();
        push_selection(&mut b, Backend::Postgres, TenantId(Uuid::nil()), &filter);
        push_changes(&mut b, TenantId(Uuid::nil()), BulkChange::Tag("warm"));
        assert!(
            b.sql().starts_with(" FROM leads l WHERE l.tenant_id = $1"),
            "{}",
            b.sql()
        );
        assert!(
            b.sql()
                .contains("AND NOT EXISTS (SELECT 1 FROM lead_tags x"),
            "{}",
            b.sql()
        );
    }
}
