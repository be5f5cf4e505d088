//! The SQL of the lead list and of the lead export, built from the filters actually set. Each
//! shape is chosen so that PostgreSQL and SQLite walk an index in lead-id order (the keyset
//! of the list): a campaign's leads through `campaign_leads(tenant_id, campaign_id, lead_id)`,
//! a stage in any campaign through `campaign_leads(tenant_id, status, lead_id)`, and the
//! workspace's leads through `leads(tenant_id, id)` (migration `lead_list_indexes`).

use crate::lead_queries::LeadFilter;
use crate::sql_builder::{Bind, SqlBuilder};
use crate::{Backend, lead_search};
use revos_domain::TenantId;
use uuid::Uuid;

/// The columns of a lead as the API shows it, read from `leads l`.
macro_rules! lead_columns {
    () => {
        "l.id, l.provider_id, l.linkedin_url, l.name, l.headline, l.email, l.email_status, l.title, \
         l.company, l.industry, l.company_size, l.do_not_contact, l.is_sandbox, l.created_at, \
         l.updated_at, l.enriched_at"
    };
}
pub(crate) use lead_columns;

impl LeadFilter<'_> {
    /// True when a filter reads the lead's campaign memberships (campaign, stage or the time
    /// its stage changed).
    fn reads_memberships(&self) -> bool {
        self.campaign.is_some()
            || self.stage.is_some()
            || self.since.is_some()
            || self.until.is_some()
    }
}

/// ` AND` the conditions on the lead `l` itself: search and do-not-contact.
fn push_lead_conditions(
    b: &mut SqlBuilder,
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
) {
    if let Some(text) = filter.search {
        lead_search::push_filter(b, backend, tenant, text);
    }
    if let Some(dnc) = filter.do_not_contact {
        b.push(" AND l.do_not_contact = ").bind(Bind::Bool(dnc));
    }
}

/// ` AND` the conditions on the membership `cl`: campaign, stage and when the stage changed.
fn push_membership_conditions(b: &mut SqlBuilder, filter: &LeadFilter<'_>) {
    if let Some(campaign) = filter.campaign {
        b.push(" AND cl.campaign_id = ").bind(Bind::Uuid(campaign));
    }
    if let Some(stage) = filter.stage {
        b.push(" AND cl.status = ")
            .bind(Bind::Text(stage.as_str().to_owned()));
    }
    if let Some(since) = filter.since {
        b.push(" AND cl.updated_at >= ").bind(Bind::Time(since));
    }
    if let Some(until) = filter.until {
        b.push(" AND cl.updated_at < ").bind(Bind::Time(until));
    }
}

/// Appends `FROM … WHERE …` of the leads of `tenant` matching `filter` after `after`, with
/// the column `key` to order and page by. A campaign filter walks the campaign's
/// memberships (`cl`, one per lead); other membership filters ask whether some membership
/// matches; otherwise only `leads` is read.
fn push_matching_leads(
    b: &mut SqlBuilder,
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    after: Option<Uuid>,
) -> &'static str {
    let key = if filter.campaign.is_some() {
        b.push(
            " FROM campaign_leads cl JOIN leads l ON l.tenant_id = cl.tenant_id AND l.id = cl.lead_id \
             WHERE cl.tenant_id = ",
        )
        .bind(Bind::Uuid(tenant.0));
        push_membership_conditions(b, filter);
        "cl.lead_id"
    } else {
        b.push(" FROM leads l WHERE l.tenant_id = ")
            .bind(Bind::Uuid(tenant.0));
        if filter.reads_memberships() {
            b.push(
                " AND EXISTS (SELECT 1 FROM campaign_leads cl \
                 WHERE cl.tenant_id = l.tenant_id AND cl.lead_id = l.id",
            );
            push_membership_conditions(b, filter);
            b.push(")");
        }
        "l.id"
    };
    push_lead_conditions(b, backend, tenant, filter);
    if let Some(after) = after {
        b.push(" AND ")
            .push(key)
            .push(" > ")
            .bind(Bind::Uuid(after));
    }
    key
}

/// A page of the lead list: the lead columns and `stage` (the stage in the filtered
/// campaign, else NULL), in id order, at most `limit` rows.
pub(crate) fn list(
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    after: Option<Uuid>,
    limit: i64,
) -> SqlBuilder {
    let mut b = SqlBuilder::default();
    b.push(concat!("SELECT ", lead_columns!()));
    b.push(if filter.campaign.is_some() {
        ", cl.status AS stage"
    } else {
        ", CAST(NULL AS TEXT) AS stage"
    });
    let key = push_matching_leads(&mut b, backend, tenant, filter, after);
    b.push(" ORDER BY ")
        .push(key)
        .push(" LIMIT ")
        .bind(Bind::Int(limit));
    b
}

/// The export's rows: one per membership of each matching lead that matches the membership
/// filters (a lead in no campaign, when none is set, has one row with no campaign), with
/// the lead columns, `campaign_id`, `campaign` (its name) and `stage`, in lead order then
/// membership order. `page` limits the rows to the next `limit` matching leads after the
/// given lead (keyset, the list's own query as an `IN` list, which SQLite reads first
/// whatever its statistics); without it every matching lead is read.
pub(crate) fn export(
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    page: Option<(Option<Uuid>, i64)>,
) -> SqlBuilder {
    let mut b = SqlBuilder::default();
    b.push(concat!(
        "SELECT ",
        lead_columns!(),
        ", cl.campaign_id, c.name AS campaign, cl.status AS stage FROM leads l"
    ));
    b.push(if filter.reads_memberships() {
        " JOIN"
    } else {
        " LEFT JOIN"
    });
    b.push(" campaign_leads cl ON cl.tenant_id = l.tenant_id AND cl.lead_id = l.id");
    push_membership_conditions(&mut b, filter);
    b.push(" LEFT JOIN campaigns c ON c.tenant_id = cl.tenant_id AND c.id = cl.campaign_id");
    b.push(" WHERE l.tenant_id = ").bind(Bind::Uuid(tenant.0));
    match page {
        Some((after, limit)) => {
            b.push(" AND l.id IN (SELECT l.id");
            let key = push_matching_leads(&mut b, backend, tenant, filter, after);
            b.push(" ORDER BY ")
                .push(key)
                .push(" LIMIT ")
                .bind(Bind::Int(limit))
                .push(")");
        }
        None => push_lead_conditions(&mut b, backend, tenant, filter),
    }
    b.push(" ORDER BY l.id, cl.id");
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use revos_domain::lead::LeadStage;

    fn tenant() -> TenantId {
        TenantId(Uuid::nil())
    }

    #[test]
    fn an_unset_filter_adds_nothing() {
        let b = list(
            Backend::Postgres,
            tenant(),
            &LeadFilter::default(),
            None,
            51,
        );
        assert!(!b.sql().contains("IS NULL"), "{}", b.sql());
        assert!(!b.sql().contains("campaign_leads"), "{}", b.sql());
        assert!(
            b.sql()
                .ends_with("WHERE l.tenant_id = $1 ORDER BY l.id LIMIT $2")
        );
    }

    #[test]
    fn a_stage_alone_asks_for_some_membership_and_pages_by_lead() {
        let filter = LeadFilter {
            stage: Some(LeadStage::Replied),
            ..LeadFilter::default()
        };
        let b = list(Backend::Postgres, tenant(), &filter, Some(Uuid::nil()), 51);
        assert!(b.sql().contains("EXISTS (SELECT 1 FROM campaign_leads cl WHERE cl.tenant_id = l.tenant_id AND cl.lead_id = l.id AND cl.status = $2)"), "{}", b.sql());
        assert!(b.sql().ends_with("AND l.id > $3 ORDER BY l.id LIMIT $4"));
        assert_eq!(b.binds()[1], Bind::Text("replied".into()));
    }

    #[test]
    fn a_campaign_walks_its_memberships() {
        let filter = LeadFilter {
            campaign: Some(Uuid::nil()),
            do_not_contact: Some(false),
            ..LeadFilter::default()
        };
        let b = list(Backend::Postgres, tenant(), &filter, None, 51);
        assert!(
            b.sql().contains("FROM campaign_leads cl JOIN leads l"),
            "{}",
            b.sql()
        );
        assert!(
            b.sql()
                .ends_with("AND l.do_not_contact = $3 ORDER BY cl.lead_id LIMIT $4")
        );
    }

    #[test]
    fn an_export_page_reads_the_page_of_leads_then_their_memberships() {
        let filter = LeadFilter {
            search: Some("x"),
            ..LeadFilter::default()
        };
        let b = export(Backend::Postgres, tenant(), &filter, Some((None, 1000)));
        assert!(b.sql().contains("WHERE l.tenant_id = $1 AND l.id IN (SELECT l.id FROM leads l WHERE l.tenant_id = $2"), "{}", b.sql());
        assert!(
            b.sql().ends_with("LIMIT $5) ORDER BY l.id, cl.id"),
            "{}",
            b.sql()
        );
        assert!(
            b.sql().contains("LEFT JOIN campaign_leads cl"),
            "{}",
            b.sql()
        );
        let whole = export(Backend::Postgres, tenant(), &filter, None);
        assert!(
            whole
                .sql()
                .contains("FROM leads l LEFT JOIN campaign_leads"),
            "{}",
            whole.sql()
        );
        assert!(
            whole
                .sql()
                .contains("s.tenant_id = $2 AND s.search_text LIKE $3"),
            "{}",
            whole.sql()
        );
    }
}
