//! The SQL of the lead list and of the lead export, built from the filters actually set. Each
//! shape is chosen so that PostgreSQL and SQLite walk an index in lead-id order (the keyset
//! of the list): a campaign's leads through `campaign_leads(tenant_id, campaign_id, lead_id)`
//! (on SQLite, whose planner keeps a `CROSS JOIN`'s order, the memberships outside), a stage
//! in any campaign through `campaign_leads(tenant_id, status, lead_id)`, and the workspace's
//! leads through `leads(tenant_id, id)` (migrations `lead_list_indexes` and
//! `lead_list_seek`).
//!
//! A filter that matches few leads, or leads far from where the walk starts, makes a walk
//! read many leads for one page: a search term on SQLite (which keeps no statistics to tell
//! a rare term from a common one) and, on both backends, when a stage changed without a
//! campaign (the leads whose stage changed last week are the newest, so a walk from the
//! oldest lead reads nearly all of them, 0.5 s at 1M leads). Such a page is found in two
//! steps ([`two_step`]): a walk of at most [`WALK_BUDGET`] leads, which fills the page
//! whenever matches are common there, else a seek from the filter's own index (the trigram
//! index; memberships by when their stage changed, `campaign_leads_changed`) in lead order.

use crate::lead_queries::LeadFilter;
use crate::sql_builder::{Bind, SqlBuilder};
use crate::{Backend, lead_search};
use revos_domain::TenantId;
use uuid::Uuid;

/// The most leads (or a campaign's memberships) a bounded walk reads before the seek takes
/// over: a term in one lead of twenty still fills a page of 50 within it.
pub(crate) const WALK_BUDGET: i64 = 1000;

/// How a page is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Walk the list's order and test each lead; with `bounded`, at most [`WALK_BUDGET`]
    /// leads (a short page then says nothing about the leads after them).
    Walk {
        /// Whether the walk stops after [`WALK_BUDGET`] leads.
        bounded: bool,
    },
    /// Start from the selective filters' indexes, then read the matches in lead order.
    Seek,
}

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

    /// True when the time a stage changed is asked about in any campaign: those memberships
    /// can be sought by time.
    fn changed_in_any_campaign(&self) -> bool {
        self.campaign.is_none() && (self.since.is_some() || self.until.is_some())
    }
}

/// Whether a page of `filter` is found in two steps: a walk bounded by [`WALK_BUDGET`], and
/// when it did not fill the page, a seek (see the module documentation).
pub(crate) fn two_step(backend: Backend, filter: &LeadFilter<'_>) -> bool {
    filter.changed_in_any_campaign()
        || (backend == Backend::Sqlite
            && filter
                .search
                .is_some_and(|term| lead_search::indexed(backend, term)))
}

/// ` AND` the conditions on the lead `l` itself: search, do-not-contact and tag (the tag's
/// leads through `lead_tags_by_tag`, migration `lead_tags`).
fn push_lead_conditions(
    b: &mut SqlBuilder,
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    plan: Plan,
    after: Option<Uuid>,
) {
    if let Some(text) = filter.search {
        lead_search::push_filter(b, backend, tenant, text, plan, after);
    }
    if let Some(dnc) = filter.do_not_contact {
        b.push(" AND l.do_not_contact = ").bind(Bind::Bool(dnc));
    }
    if let Some(tag) = filter.tag {
        b.push(" AND l.id IN (SELECT t.lead_id FROM lead_tags t WHERE t.tenant_id = ")
            .bind(Bind::Uuid(tenant.0))
            .push(" AND t.tag = ")
            .bind(Bind::Text(tag.to_owned()))
            .push(")");
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

/// ` AND` that some membership of the lead `l` matches the membership filters (no campaign).
fn push_some_membership(
    b: &mut SqlBuilder,
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    plan: Plan,
    after: Option<Uuid>,
) {
    if plan == Plan::Seek && filter.changed_in_any_campaign() {
        // The matching memberships by time (`campaign_leads_changed`), their leads then read
        // in id order: PostgreSQL probes `leads` with the sorted array, where a semi-join
        // would walk every lead before the first match; SQLite probes with its sorted list.
        b.push(match backend {
            Backend::Postgres => " AND l.id = ANY(ARRAY(",
            Backend::Sqlite => " AND l.id IN (",
        });
        b.push("SELECT cl.lead_id FROM campaign_leads cl WHERE cl.tenant_id = ")
            .bind(Bind::Uuid(tenant.0));
        push_membership_conditions(b, filter);
        if let Some(after) = after {
            b.push(" AND cl.lead_id > ").bind(Bind::Uuid(after));
        }
        b.push(match backend {
            Backend::Postgres => "))",
            Backend::Sqlite => ")",
        });
        return;
    }
    // SQLite would turn `cl.lead_id = l.id` and the keyset's `l.id > $n` into a range on
    // `cl.lead_id` and walk the workspace's memberships for each lead (23 s for the second
    // page of a stage at 200k leads); `+l.id` keeps the probe an equality. PostgreSQL infers
    // no such range, so it is given the keyset itself, which its merge join needs to start
    // at the cursor.
    b.push(match backend {
        Backend::Postgres => {
            " AND EXISTS (SELECT 1 FROM campaign_leads cl \
             WHERE cl.tenant_id = l.tenant_id AND cl.lead_id = l.id"
        }
        Backend::Sqlite => {
            " AND EXISTS (SELECT 1 FROM campaign_leads cl \
             WHERE cl.tenant_id = l.tenant_id AND cl.lead_id = +l.id"
        }
    });
    push_membership_conditions(b, filter);
    if let (Backend::Postgres, Some(after)) = (backend, after) {
        b.push(" AND cl.lead_id > ").bind(Bind::Uuid(after));
    }
    b.push(")");
}

/// ` AND` that `key` is at most the [`WALK_BUDGET`]th lead (or membership of the filtered
/// campaign) after `after`: nothing when fewer are left, and then the seek answers.
fn push_walk_budget(
    b: &mut SqlBuilder,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    key: &str,
    after: Option<Uuid>,
) {
    b.push(" AND ").push(key);
    match filter.campaign {
        Some(campaign) => {
            b.push(" <= (SELECT w.lead_id FROM campaign_leads w WHERE w.tenant_id = ")
                .bind(Bind::Uuid(tenant.0))
                .push(" AND w.campaign_id = ")
                .bind(Bind::Uuid(campaign));
            if let Some(after) = after {
                b.push(" AND w.lead_id > ").bind(Bind::Uuid(after));
            }
            b.push(" ORDER BY w.lead_id");
        }
        None => {
            b.push(" <= (SELECT w.id FROM leads w WHERE w.tenant_id = ")
                .bind(Bind::Uuid(tenant.0));
            if let Some(after) = after {
                b.push(" AND w.id > ").bind(Bind::Uuid(after));
            }
            b.push(" ORDER BY w.id");
        }
    }
    b.push(" LIMIT 1 OFFSET ")
        .bind(Bind::Int(WALK_BUDGET - 1))
        .push(")");
}

/// Appends `FROM … WHERE …` of the leads of `tenant` matching `filter` after `after`, found
/// by `plan`, with the column `key` to order and page by. A campaign filter walks the
/// campaign's memberships (`cl`, one per lead); other membership filters ask whether some
/// membership matches; otherwise only `leads` is read.
fn push_matching_leads(
    b: &mut SqlBuilder,
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    after: Option<Uuid>,
    plan: Plan,
) -> &'static str {
    let key = if filter.campaign.is_some() {
        b.push(
            " FROM campaign_leads cl CROSS JOIN leads l \
             WHERE l.tenant_id = cl.tenant_id AND l.id = cl.lead_id AND cl.tenant_id = ",
        )
        .bind(Bind::Uuid(tenant.0));
        push_membership_conditions(b, filter);
        "cl.lead_id"
    } else {
        b.push(" FROM leads l WHERE l.tenant_id = ")
            .bind(Bind::Uuid(tenant.0));
        if filter.reads_memberships() {
            push_some_membership(b, backend, tenant, filter, plan, after);
        }
        "l.id"
    };
    push_lead_conditions(b, backend, tenant, filter, plan, after);
    if let Some(after) = after {
        b.push(" AND ")
            .push(key)
            .push(" > ")
            .bind(Bind::Uuid(after));
    }
    if plan == (Plan::Walk { bounded: true }) {
        push_walk_budget(b, tenant, filter, key, after);
    }
    key
}

/// Appends `FROM … WHERE …` of every lead of `tenant` matching `filter` (the list's own
/// conditions, planned as the export plans them), for a bulk action's statement; returns
/// the column of the lead's id in the list's order.
pub(crate) fn push_selection(
    b: &mut SqlBuilder,
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
) -> &'static str {
    push_matching_leads(b, backend, tenant, filter, None, Plan::Seek)
}

/// A page of the lead list found by `plan`: the lead columns and `stage` (the stage in the
/// filtered campaign, else NULL), in id order, at most `limit` rows.
pub(crate) fn list(
    backend: Backend,
    tenant: TenantId,
    filter: &LeadFilter<'_>,
    after: Option<Uuid>,
    limit: i64,
    plan: Plan,
) -> SqlBuilder {
    let mut b = SqlBuilder::default();
    b.push(concat!("SELECT ", lead_columns!()));
    b.push(if filter.campaign.is_some() {
        ", cl.status AS stage"
    } else {
        ", CAST(NULL AS TEXT) AS stage"
    });
    let key = push_matching_leads(&mut b, backend, tenant, filter, after, plan);
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
        ", cl.campaign_id, c.name AS campaign, cl.status AS stage, \
        ml.first_opened_at AS magnet_opened_at, COALESCE(ml.open_count, 0) AS magnet_open_count \
        FROM leads l"
    ));
    b.push(if filter.reads_memberships() {
        " JOIN"
    } else {
        " LEFT JOIN"
    });
    b.push(" campaign_leads cl ON cl.tenant_id = l.tenant_id AND cl.lead_id = l.id");
    push_membership_conditions(&mut b, filter);
    b.push(" LEFT JOIN campaigns c ON c.tenant_id = cl.tenant_id AND c.id = cl.campaign_id");
    // The membership's tracked link, by its unique key: the open columns.
    b.push(
        " LEFT JOIN magnet_links ml ON ml.tenant_id = cl.tenant_id \
        AND ml.campaign_id = cl.campaign_id AND ml.lead_id = cl.lead_id",
    );
    b.push(" WHERE l.tenant_id = ").bind(Bind::Uuid(tenant.0));
    match page {
        Some((after, limit)) => {
            b.push(" AND l.id IN (SELECT l.id");
            let key = push_matching_leads(&mut b, backend, tenant, filter, after, Plan::Seek);
            b.push(" ORDER BY ")
                .push(key)
                .push(" LIMIT ")
                .bind(Bind::Int(limit))
                .push(")");
        }
        None => push_lead_conditions(&mut b, backend, tenant, filter, Plan::Seek, None),
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

    const WALK: Plan = Plan::Walk { bounded: false };

    #[test]
    fn an_unset_filter_adds_nothing() {
        let b = list(
            Backend::Postgres,
            tenant(),
            &LeadFilter::default(),
            None,
            51,
            WALK,
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
        let b = list(
            Backend::Postgres,
            tenant(),
            &filter,
            Some(Uuid::nil()),
            51,
            WALK,
        );
        assert!(b.sql().contains("EXISTS (SELECT 1 FROM campaign_leads cl WHERE cl.tenant_id = l.tenant_id AND cl.lead_id = l.id AND cl.status = $2 AND cl.lead_id > $3)"), "{}", b.sql());
        assert!(b.sql().ends_with("AND l.id > $4 ORDER BY l.id LIMIT $5"));
        assert_eq!(b.binds()[1], Bind::Text("replied".into()));
        // SQLite's probe stays an equality (no range inferred from the keyset).
        let b = list(
            Backend::Sqlite,
            tenant(),
            &filter,
            Some(Uuid::nil()),
            51,
            WALK,
        );
        assert!(
            b.sql()
                .contains("cl.lead_id = +l.id AND cl.status = $2) AND l.id > $3"),
            "{}",
            b.sql()
        );
    }

    #[test]
    fn a_campaign_walks_its_memberships() {
        let filter = LeadFilter {
            campaign: Some(Uuid::nil()),
            do_not_contact: Some(false),
            ..LeadFilter::default()
        };
        let b = list(Backend::Postgres, tenant(), &filter, None, 51, WALK);
        assert!(
            b.sql()
                .contains("FROM campaign_leads cl CROSS JOIN leads l"),
            "{}",
            b.sql()
        );
        assert!(
            b.sql()
                .ends_with("AND l.do_not_contact = $3 ORDER BY cl.lead_id LIMIT $4")
        );
        assert!(!two_step(Backend::Postgres, &filter));
    }

    #[test]
    fn a_tag_reads_the_tag_index() {
        let filter = LeadFilter {
            tag: Some("warm"),
            ..LeadFilter::default()
        };
        let b = list(Backend::Sqlite, tenant(), &filter, None, 51, WALK);
        assert!(
            b.sql().contains(
                "AND l.id IN (SELECT t.lead_id FROM lead_tags t WHERE t.tenant_id = $2 AND t.tag = $3)"
            ),
            "{}",
            b.sql()
        );
        assert_eq!(b.binds()[2], Bind::Text("warm".into()));
        let whole = export(Backend::Postgres, tenant(), &filter, None);
        assert!(whole.sql().contains("t.tag = $3"), "{}", whole.sql());
    }

    #[test]
    fn a_change_in_any_campaign_is_walked_a_little_then_sought_by_time() {
        let filter = LeadFilter {
            since: Some(chrono::DateTime::UNIX_EPOCH),
            ..LeadFilter::default()
        };
        assert!(two_step(Backend::Postgres, &filter));
        let walk = list(
            Backend::Postgres,
            tenant(),
            &filter,
            None,
            51,
            Plan::Walk { bounded: true },
        );
        assert!(walk.sql().contains("AND EXISTS ("), "{}", walk.sql());
        assert!(
            walk.sql().contains(
                "AND l.id <= (SELECT w.id FROM leads w WHERE w.tenant_id = $3 ORDER BY w.id LIMIT 1 OFFSET $4)"
            ),
            "{}",
            walk.sql()
        );
        assert_eq!(walk.binds()[3], Bind::Int(WALK_BUDGET - 1));
        let seek = list(
            Backend::Postgres,
            tenant(),
            &filter,
            Some(Uuid::nil()),
            51,
            Plan::Seek,
        );
        assert!(
            seek.sql().contains(
                "AND l.id = ANY(ARRAY(SELECT cl.lead_id FROM campaign_leads cl WHERE cl.tenant_id = $2 \
                 AND cl.updated_at >= $3 AND cl.lead_id > $4))"
            ),
            "{}",
            seek.sql()
        );
        let seek = list(Backend::Sqlite, tenant(), &filter, None, 51, Plan::Seek);
        assert!(
            seek.sql()
                .contains("AND l.id IN (SELECT cl.lead_id FROM campaign_leads cl"),
            "{}",
            seek.sql()
        );
        // Within a campaign, its memberships are walked: no second step.
        let within = LeadFilter {
            campaign: Some(Uuid::nil()),
            ..filter
        };
        assert!(!two_step(Backend::Postgres, &within));
    }

    #[test]
    fn a_search_on_sqlite_tests_each_lead_on_a_walk_and_seeks_through_the_index() {
        let filter = LeadFilter {
            search: Some("Growth"),
            ..LeadFilter::default()
        };
        assert!(two_step(Backend::Sqlite, &filter));
        assert!(!two_step(Backend::Postgres, &filter));
        let short = LeadFilter {
            search: Some("gr"),
            ..LeadFilter::default()
        };
        assert!(!two_step(Backend::Sqlite, &short));
        let walk = list(
            Backend::Sqlite,
            tenant(),
            &filter,
            None,
            51,
            Plan::Walk { bounded: true },
        );
        assert!(walk.sql().contains(") LIKE $2"), "{}", walk.sql());
        assert!(!walk.sql().contains("MATCH"), "{}", walk.sql());
        assert_eq!(walk.binds()[1], Bind::Text("%growth%".into()));
        let seek = list(Backend::Sqlite, tenant(), &filter, None, 51, Plan::Seek);
        assert!(
            seek.sql().contains("lead_search MATCH $2"),
            "{}",
            seek.sql()
        );
        assert!(!seek.sql().contains("OFFSET"), "{}", seek.sql());
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
