//! Comments seen on watched posts, the leads they produce, and each lead's place in each
//! campaign. Deduplication lives in unique keys: a comment once per post, a person once per
//! tenant, a lead once per campaign.

use crate::tx::on_conn;
use crate::{Result, Tx, lead_search};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_domain::funnel::Progress;
use revos_domain::lead::LeadStage;
use uuid::Uuid;

/// A stored lead.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LeadRow {
    /// Its id.
    pub id: Uuid,
    /// The person's provider id.
    pub provider_id: String,
    /// Their name.
    pub name: String,
    /// Their profile URL.
    pub linkedin_url: Option<String>,
    /// Their headline.
    pub headline: Option<String>,
    /// Their email, when known.
    pub email: Option<String>,
    /// Their company, once enrichment found it.
    pub company: Option<String>,
    /// Whether they asked not to be contacted.
    pub do_not_contact: bool,
    /// Whether they live in the sandbox.
    pub is_sandbox: bool,
}

/// A person to make (or find) a lead of.
pub struct NewLead<'a> {
    /// Their provider id.
    pub provider_id: &'a str,
    /// Their name.
    pub name: &'a str,
    /// Their profile URL.
    pub linkedin_url: Option<&'a str>,
    /// Their headline.
    pub headline: Option<&'a str>,
    /// An email they wrote, if any.
    pub email: Option<&'a str>,
    /// Whether they live in the sandbox.
    pub sandbox: bool,
}

/// Finds the tenant's lead for this person, creating it if needed; an email written in a
/// comment fills an empty email. Returns the lead.
pub async fn upsert(
    tx: &mut Tx,
    tenant: TenantId,
    l: &NewLead<'_>,
    now: DateTime<Utc>,
) -> Result<LeadRow> {
    // A new lead's text is folded here; a known one's is refolded when the email filled in.
    const INSERT: &str = "INSERT INTO leads (id, tenant_id, provider_id, linkedin_url, name, headline, email, is_sandbox, \
        created_at, updated_at, search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) \
        ON CONFLICT (tenant_id, provider_id) DO UPDATE SET email = COALESCE(leads.email, excluded.email), updated_at = excluded.updated_at \
        RETURNING id, name, email, company, title, headline, search_text";
    const SELECT: &str = "SELECT id, provider_id, name, linkedin_url, headline, email, company, do_not_contact, is_sandbox \
        FROM leads WHERE tenant_id = $1 AND provider_id = $2";
    let text = lead_search::text_of(l.name, l.email, None, None, l.headline);
    let written: lead_search::Searched = on_conn!(tx, c => sqlx::query_as(INSERT).bind(Uuid::now_v7()).bind(tenant.0)
        .bind(l.provider_id).bind(l.linkedin_url).bind(l.name).bind(l.headline).bind(l.email).bind(l.sandbox).bind(now)
        .bind(&text).fetch_one(c).await?);
    lead_search::store_text(tx, tenant, &written).await?;
    Ok(
        on_conn!(tx, c => sqlx::query_as(SELECT).bind(tenant.0).bind(l.provider_id).fetch_one(c).await?),
    )
}

/// Adds a lead to a campaign; false when it was already in it (so it is never contacted twice).
/// The lead is counted in the campaign's funnel with what its stage proves and, when the
/// person was enriched before (in any campaign), as enriched.
pub async fn join_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    comment: Option<Uuid>,
    stage: LeadStage,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "INSERT INTO campaign_leads (id, tenant_id, campaign_id, lead_id, status, source_comment_id, created_at, \
        updated_at, progress) SELECT $1, $2, $3, $4, $5, $6, $7, $7, \
        CASE WHEN l.enriched_at IS NULL THEN $8 ELSE $9 END FROM leads l WHERE l.tenant_id = $2 AND l.id = $4 \
        ON CONFLICT (campaign_id, lead_id) DO NOTHING RETURNING progress";
    let proven = Progress::from_stage(stage).closed();
    let enriched = proven.with(Progress {
        enriched: true,
        ..Progress::default()
    });
    let progress: Option<i32> = on_conn!(tx, c => sqlx::query_scalar(SQL).bind(Uuid::now_v7()).bind(tenant.0).bind(campaign).bind(lead)
        .bind(stage.as_str()).bind(comment).bind(now).bind(proven.to_bits()).bind(enriched.to_bits())
        .fetch_optional(c).await?);
    let Some(progress) = progress else {
        return Ok(false);
    };
    crate::funnel_rollup::joined(
        tx,
        tenant,
        campaign,
        Progress::from_bits(progress),
        stage == LeadStage::AwaitingConnection,
    );
    Ok(true)
}

/// The leads of a campaign with their stage, oldest first.
pub async fn of_campaign(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
) -> Result<Vec<(LeadRow, LeadStage)>> {
    #[derive(sqlx::FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        lead: LeadRow,
        #[sqlx(try_from = "String")]
        status: LeadStage,
    }
    const SQL: &str = "SELECT l.id, l.provider_id, l.name, l.linkedin_url, l.headline, l.email, l.company, \
        l.do_not_contact, l.is_sandbox, cl.status FROM campaign_leads cl JOIN leads l ON l.id = cl.lead_id \
        WHERE cl.tenant_id = $1 AND cl.campaign_id = $2 ORDER BY cl.id";
    let rows: Vec<Joined> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).fetch_all(c).await?);
    Ok(rows.into_iter().map(|j| (j.lead, j.status)).collect())
}

/// Puts a person on (or takes them off) the tenant's do-not-contact list.
pub async fn set_do_not_contact(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
    dnc: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str =
        "UPDATE leads SET do_not_contact = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(lead).bind(dnc).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// What enrichment needs to know about a lead: its profile URL and when it was last enriched.
pub async fn enrichment_state(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
) -> Result<Option<(Option<String>, Option<DateTime<Utc>>)>> {
    const SQL: &str =
        "SELECT linkedin_url, enriched_at FROM leads WHERE tenant_id = $1 AND id = $2";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_optional(c).await?))
}

/// What an enrichment found.
pub struct Enrichment<'a> {
    /// Work email (kept only when the lead has none yet).
    pub email: Option<&'a str>,
    /// Apollo's status of that address, e.g. `verified` (kept only with that address).
    pub email_status: Option<&'a str>,
    /// Job title.
    pub title: Option<&'a str>,
    /// Company.
    pub company: Option<&'a str>,
    /// Company industry.
    pub industry: Option<&'a str>,
    /// Company size.
    pub company_size: Option<String>,
}

/// Stores an enrichment of a lead of `tenant` (found or not), counts the lead enriched in
/// each of its campaigns' funnels and moves its campaigns from `scraped` to `enriched`.
pub async fn record_enrichment(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
    e: &Enrichment<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    // The status describes the address it came with: it is kept only for that address, and
    // an address the workspace saw bounce stays `bounced` whatever Apollo says now.
    const LEAD: &str = "UPDATE leads SET email = COALESCE(email, $3), email_status = CASE \
        WHEN EXISTS (SELECT 1 FROM email_bounces b WHERE b.tenant_id = $1 AND b.email = LOWER(COALESCE(leads.email, $3))) \
        THEN 'bounced' \
        WHEN leads.email IS NULL OR LOWER(leads.email) = LOWER($3) THEN COALESCE($4, leads.email_status) \
        ELSE leads.email_status END, \
        title = COALESCE($5, title), company = COALESCE($6, company), industry = COALESCE($7, industry), \
        company_size = COALESCE($8, company_size), enriched_at = $9, updated_at = $9 WHERE tenant_id = $1 AND id = $2 \
        RETURNING id, name, email, company, title, headline, search_text";
    let written: Option<lead_search::Searched> = on_conn!(tx, c => sqlx::query_as(LEAD).bind(tenant.0).bind(lead)
        .bind(e.email).bind(e.email_status).bind(e.title).bind(e.company).bind(e.industry).bind(&e.company_size)
        .bind(now).fetch_optional(c).await?);
    if let Some(written) = written {
        lead_search::store_text(tx, tenant, &written).await?;
    }
    crate::funnel_rollup::note_enriched_everywhere(tx, tenant, lead).await?;
    crate::stages::move_stage_everywhere(tx, tenant, lead, LeadStage::Enriched, now).await?;
    Ok(())
}

/// A lead's stage in a campaign, locked until the transaction ends (PostgreSQL `FOR UPDATE`;
/// SQLite transactions are serial anyway), so that a reply and the email fallback decide one
/// after the other. `None` when the lead is not in the campaign.
pub async fn lock_stage(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
) -> Result<Option<LeadStage>> {
    const PG: &str = "SELECT status FROM campaign_leads WHERE tenant_id = $1 AND campaign_id = $2 AND lead_id = $3 FOR UPDATE";
    const SQLITE: &str = "SELECT status FROM campaign_leads WHERE tenant_id = $1 AND campaign_id = $2 AND lead_id = $3";
    let stage: Option<String> = match &mut tx.inner {
        crate::tx::TxInner::Postgres(t) => {
            sqlx::query_scalar(PG)
                .bind(tenant.0)
                .bind(campaign)
                .bind(lead)
                .fetch_optional(&mut **t)
                .await?
        }
        crate::tx::TxInner::Sqlite(t) => {
            sqlx::query_scalar(SQLITE)
                .bind(tenant.0)
                .bind(campaign)
                .bind(lead)
                .fetch_optional(&mut **t)
                .await?
        }
    };
    stage.map(crate::decode_name).transpose()
}

/// The campaigns a lead of `tenant` is in, with its stage in each.
pub async fn stages(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<Vec<(Uuid, LeadStage)>> {
    const SQL: &str = "SELECT campaign_id, status FROM campaign_leads WHERE tenant_id = $1 AND lead_id = $2 ORDER BY id";
    let rows: Vec<(Uuid, String)> =
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_all(c).await?);
    rows.into_iter()
        .map(|(campaign, stage)| Ok((campaign, crate::decode_name(stage)?)))
        .collect()
}

/// One lead of `tenant`.
pub async fn get(tx: &mut Tx, tenant: TenantId, lead: Uuid) -> Result<Option<LeadRow>> {
    const SQL: &str = "SELECT id, provider_id, name, linkedin_url, headline, email, company, do_not_contact, is_sandbox \
        FROM leads WHERE tenant_id = $1 AND id = $2";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead).fetch_optional(c).await?))
}

/// The lead of `tenant` behind a LinkedIn provider id.
pub async fn by_provider_id(
    tx: &mut Tx,
    tenant: TenantId,
    provider_id: &str,
) -> Result<Option<LeadRow>> {
    const SQL: &str = "SELECT id, provider_id, name, linkedin_url, headline, email, company, do_not_contact, is_sandbox \
        FROM leads WHERE tenant_id = $1 AND provider_id = $2";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(provider_id).fetch_optional(c).await?),
    )
}

/// The leads of `tenant` with this email (case-insensitive).
pub async fn by_email(tx: &mut Tx, tenant: TenantId, email: &str) -> Result<Vec<LeadRow>> {
    const SQL: &str = "SELECT id, provider_id, name, linkedin_url, headline, email, company, do_not_contact, is_sandbox \
        FROM leads WHERE tenant_id = $1 AND LOWER(email) = LOWER($2) ORDER BY id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(email).fetch_all(c).await?))
}

/// Records `member_id` as `tenant`'s lead `lead`'s LinkedIn id in place of the public
/// identifier it was imported with, unless another lead of the workspace already has it (the
/// same person found twice). Returns whether it was written.
pub async fn set_member_id(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
    member_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE leads SET provider_id = $3, updated_at = $4 \
        WHERE tenant_id = $1 AND id = $2 AND provider_id <> $3 \
        AND NOT EXISTS (SELECT 1 FROM leads o WHERE o.tenant_id = $1 AND o.provider_id = $3)";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(lead).bind(member_id).bind(now)
        .execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// Fills a lead's email when it has none (an address written in a comment or a reply).
pub async fn set_email_if_empty(
    tx: &mut Tx,
    tenant: TenantId,
    lead: Uuid,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE leads SET email = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 AND email IS NULL \
        RETURNING id, name, email, company, title, headline, search_text";
    let written: Option<lead_search::Searched> = on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(lead)
        .bind(email).bind(now).fetch_optional(c).await?);
    match written {
        Some(written) => lead_search::store_text(tx, tenant, &written)
            .await
            .map(|()| true),
        None => Ok(false),
    }
}

/// Claims the one public "let's connect" reply of a lead in a campaign (its state becomes
/// `queued`, see [`crate::connect_replies`]); false when it was claimed before (it is posted
/// at most once).
pub async fn claim_connect_reply(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    const SQL: &str = "UPDATE campaign_leads SET connect_reply_at = $4, connect_reply_state = 'queued', updated_at = $4 \
        WHERE tenant_id = $1 AND campaign_id = $2 AND lead_id = $3 AND connect_reply_at IS NULL";
    let n = on_conn!(tx, c => sqlx::query(SQL).bind(tenant.0).bind(campaign).bind(lead).bind(now).execute(c).await?.rows_affected());
    Ok(n == 1)
}

/// The provider post and comment a lead joined a campaign from.
pub async fn source_comment(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
) -> Result<Option<(String, String)>> {
    const SQL: &str = "SELECT p.provider_post_id, c.provider_comment_id FROM campaign_leads cl \
        JOIN comments c ON c.id = cl.source_comment_id JOIN posts p ON p.id = c.post_id \
        WHERE cl.tenant_id = $1 AND cl.campaign_id = $2 AND cl.lead_id = $3 AND p.provider_post_id IS NOT NULL";
    Ok(
        on_conn!(tx, c => sqlx::query_as(SQL).bind(tenant.0).bind(campaign).bind(lead).fetch_optional(c).await?),
    )
}

/// A lead waiting to be connected before its DM can go out, across tenants.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AwaitingConnection {
    /// The tenant.
    pub tenant_id: Uuid,
    /// The campaign.
    pub campaign_id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// The person's provider id.
    pub provider_id: String,
    /// Our id of the sending account.
    pub account_id: Uuid,
    /// The account's provider.
    pub provider: String,
    /// The account's provider id.
    pub provider_account_id: String,
}

/// Leads of active campaigns waiting to be connected (all tenants, or the accounts with
/// `provider_account_id` when given). System scope.
pub async fn awaiting_connection(
    tx: &mut Tx,
    provider_account_id: Option<&str>,
) -> Result<Vec<AwaitingConnection>> {
    const SQL: &str = "SELECT cl.tenant_id, cl.campaign_id, cl.lead_id, l.provider_id, a.id AS account_id, a.provider, \
        a.provider_account_id FROM campaign_leads cl JOIN leads l ON l.id = cl.lead_id \
        JOIN campaigns c ON c.id = cl.campaign_id JOIN linkedin_accounts a ON a.id = c.linkedin_account_id \
        WHERE cl.status = 'awaiting_connection' AND c.status = 'active' AND l.do_not_contact = FALSE \
        AND ($1 IS NULL OR a.provider_account_id = $1) ORDER BY cl.id";
    Ok(on_conn!(tx, c => sqlx::query_as(SQL).bind(provider_account_id).fetch_all(c).await?))
}
