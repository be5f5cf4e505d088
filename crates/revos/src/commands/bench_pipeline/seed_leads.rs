//! The bulk of the bench workspace: leads at every stage of their campaigns, with the events
//! and messages their path leaves, written through the store's own functions (and the app's
//! event shape, [`pipeline_events::append`]) in batched transactions by several tasks at
//! once. Whatever those functions maintain beside the rows (rollups, search columns) is
//! therefore filled as in production. Shaped like the measured agency workspace: about 1.2
//! campaign memberships, 3 events and 0.65 messages per lead; names with accents, a common
//! word in a third of the headlines and a rare surname in one lead of 250,000.

use chrono::{DateTime, Duration, Utc};
use revos_app::Store;
use revos_app::pipeline_events::{self, Step};
use revos_domain::TenantId;
use revos_domain::costs;
use revos_domain::lead::{DmState, LeadStage};
use revos_store::leads::{self, Enrichment, NewLead};
use revos_store::messages::{self, Inbound};
use revos_store::{Tx, email_claims, stages};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// Leads per transaction.
const BATCH: u64 = 500;

/// The term that lead search finds in about a third of the leads.
pub const COMMON_TERM: &str = "growth";
/// The term that lead search finds in one lead of 250,000.
pub const RARE_TERM: &str = "zyzzwick";

const FIRST: [&str; 12] = [
    "José",
    "Zoë",
    "André",
    "Łukasz",
    "Søren",
    "Anaïs",
    "François",
    "Maria",
    "John",
    "Chloé",
    "Jürgen",
    "Aiko",
];
const LAST: [&str; 12] = [
    "Müller",
    "García",
    "Nuñez",
    "Østergaard",
    "Smith",
    "Dubois",
    "Kowalski",
    "Brontë",
    "Ramírez",
    "Lefèvre",
    "O'Brien",
    "Nakamura",
];
const HEADLINES: [&str; 6] = [
    "Head of Growth",
    "Founder & CEO",
    "VP Sales",
    "Growth Marketer",
    "Directrice générale",
    "Software Engineer",
];
const COMPANIES: [&str; 5] = ["Acme", "Globex", "Initech", "Société Générale", "Umbrella"];

/// What was written, counted as it goes (the progress bar and the report read it).
#[derive(Default)]
pub struct Counts {
    /// Leads written.
    pub leads: AtomicU64,
    /// Campaign memberships.
    pub campaign_leads: AtomicU64,
    /// Events appended.
    pub events: AtomicU64,
    /// Messages (DMs out, replies in, emails) recorded.
    pub messages: AtomicU64,
}

/// A small deterministic mix of `i` (splitmix64), for the lead's draws.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE5_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<'a>(list: &[&'a str], r: u64) -> &'a str {
    list[usize::try_from(r % list.len() as u64).unwrap_or(0)]
}

/// The stage lead `i` reaches in its first campaign, by share: 15% scraped, 15% enriched,
/// 5% awaiting connection, 5% with a queued DM, 32% DMed, 8% replied, 12% handed to the
/// email sequence, 3% replied by email, 5% opted out.
fn target(r: u64) -> LeadStage {
    match r % 100 {
        0..15 => LeadStage::Scraped,
        15..30 => LeadStage::Enriched,
        30..35 => LeadStage::AwaitingConnection,
        35..40 => LeadStage::DmQueued,
        40..72 => LeadStage::DmSent,
        72..80 => LeadStage::Replied,
        80..92 => LeadStage::EmailSequenced,
        92..95 => LeadStage::EmailReplied,
        _ => LeadStage::OptedOut,
    }
}

/// Writes leads `0..n` of `tenant` over `campaigns`, `tasks` transactions at a time,
/// counting into `counts`.
pub async fn seed(
    store: &Store,
    tenant: TenantId,
    campaigns: Arc<Vec<Uuid>>,
    n: u64,
    tasks: usize,
    counts: Arc<Counts>,
) -> anyhow::Result<()> {
    let next = Arc::new(AtomicU64::new(0));
    // Spread over the past year, oldest first.
    let start = Utc::now() - Duration::days(365);
    let step_ms = (365 * 24 * 3600 * 1000 / n.max(1)).max(1);
    let mut handles = Vec::new();
    for _ in 0..tasks.max(1) {
        let (store, next, campaigns, counts) = (
            store.clone(),
            Arc::clone(&next),
            Arc::clone(&campaigns),
            Arc::clone(&counts),
        );
        handles.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(BATCH, Ordering::Relaxed);
                if first >= n {
                    return anyhow::Ok(());
                }
                let mut tx = store.begin_for(tenant).await?;
                for i in first..(first + BATCH).min(n) {
                    let at = start + Duration::milliseconds(i64::try_from(i * step_ms)?);
                    one(&mut tx, tenant, &campaigns, i, at, &counts).await?;
                }
                tx.commit().await?;
            }
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(())
}

/// Lead `i`: the person, their first campaign walked to its target stage, and for one lead
/// in five a second campaign where they were only scraped.
async fn one(
    tx: &mut Tx,
    tenant: TenantId,
    campaigns: &[Uuid],
    i: u64,
    at: DateTime<Utc>,
    counts: &Counts,
) -> anyhow::Result<()> {
    let r = mix(i);
    let last = if i % 250_000 == 17 {
        "Zyzzwick"
    } else {
        pick(&LAST, r >> 8)
    };
    let name = format!("{} {last}", pick(&FIRST, r >> 4));
    let headline = format!(
        "{} at {}",
        pick(&HEADLINES, r >> 12),
        pick(&COMPANIES, r >> 16)
    );
    let provider_id = format!("bench-lead-{i}");
    let url = format!("https://www.linkedin.com/in/{provider_id}");
    let lead = leads::upsert(
        tx,
        tenant,
        &NewLead {
            provider_id: &provider_id,
            name: &name,
            linkedin_url: Some(&url),
            headline: Some(&headline),
            email: None,
            sandbox: false,
        },
        at,
    )
    .await?
    .id;
    counts.leads.fetch_add(1, Ordering::Relaxed);
    let c = usize::try_from(i % campaigns.len() as u64)?;
    walk(
        tx,
        tenant,
        campaigns[c],
        lead,
        i,
        target(r >> 20),
        at,
        counts,
    )
    .await?;
    if (r >> 28).is_multiple_of(5) && campaigns.len() > 1 {
        let other = campaigns[(c + 1) % campaigns.len()];
        join(tx, tenant, other, lead, at + Duration::days(2), counts).await?;
    }
    Ok(())
}

async fn join(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    at: DateTime<Utc>,
    counts: &Counts,
) -> anyhow::Result<()> {
    leads::join_campaign(tx, tenant, campaign, lead, None, LeadStage::Scraped, at).await?;
    event(tx, tenant, "lead_scraped", campaign, lead, 0.0, at, counts).await?;
    counts.campaign_leads.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

#[allow(clippy::too_many_arguments)] // one event's columns
async fn event(
    tx: &mut Tx,
    tenant: TenantId,
    kind: &'static str,
    campaign: Uuid,
    lead: Uuid,
    cost: f64,
    at: DateTime<Utc>,
    counts: &Counts,
) -> anyhow::Result<()> {
    let mut step = Step::new(kind, Some(campaign), lead);
    step.cost = cost;
    pipeline_events::append(tx, tenant, step, at).await?;
    counts.events.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Walks lead `i` through `campaign` to `to` as the pipeline would: scraped, enriched (most
/// of them, with the Apollo credit's cost), DM queued and sent, then a reply, the email
/// sequence, an email reply or an opt-out.
#[allow(clippy::too_many_arguments)] // the lead, its campaign and its draw
async fn walk(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    i: u64,
    to: LeadStage,
    at: DateTime<Utc>,
    counts: &Counts,
) -> anyhow::Result<()> {
    join(tx, tenant, campaign, lead, at, counts).await?;
    let hour = |h: i64| at + Duration::hours(h);
    if to == LeadStage::Scraped {
        return Ok(());
    }
    if to == LeadStage::Enriched || mix(i ^ 0xE) % 10 < 8 {
        let email = format!("lead{i}@example.com");
        let found = Enrichment {
            email: Some(&email),
            email_status: Some("verified"),
            title: Some("Head of Growth"),
            company: Some(pick(&COMPANIES, i)),
            industry: Some("Software"),
            company_size: Some("11-50".into()),
        };
        leads::record_enrichment(tx, tenant, lead, &found, hour(1)).await?;
        let cost = costs::enrichment_usd(1);
        event(
            tx,
            tenant,
            "lead_enriched",
            campaign,
            lead,
            cost,
            hour(1),
            counts,
        )
        .await?;
    }
    if to == LeadStage::Enriched {
        return Ok(());
    }
    if to == LeadStage::AwaitingConnection {
        stages::move_stage(tx, tenant, campaign, lead, to, hour(2)).await?;
        return Ok(());
    }
    stages::move_stage(tx, tenant, campaign, lead, LeadStage::DmQueued, hour(2)).await?;
    messages::insert_dm(tx, tenant, campaign, lead, hour(2)).await?;
    counts.messages.fetch_add(1, Ordering::Relaxed);
    let queued = LeadStage::DmQueued.as_str();
    event(tx, tenant, queued, campaign, lead, 0.0, hour(2), counts).await?;
    if to == LeadStage::DmQueued {
        return Ok(());
    }
    let dm = messages::dm(tx, tenant, campaign, lead)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the DM just recorded is missing"))?;
    let chat = format!("bench-chat-{i}");
    let body = "Hi, thanks for your comment! Here is the playbook.";
    let message = format!("bench-dm-{i}");
    messages::set_dm(
        tx,
        tenant,
        dm.id,
        DmState::Sent,
        Some(body),
        Some(&chat),
        Some(&message),
        None,
        hour(3),
    )
    .await?;
    stages::move_stage(tx, tenant, campaign, lead, LeadStage::DmSent, hour(3)).await?;
    let sent = LeadStage::DmSent.as_str();
    event(
        tx,
        tenant,
        sent,
        campaign,
        lead,
        costs::DM_USD,
        hour(3),
        counts,
    )
    .await?;
    match to {
        LeadStage::Replied => reply(tx, tenant, campaign, lead, i, "dm", hour(20), counts).await,
        LeadStage::EmailSequenced | LeadStage::EmailReplied => {
            email_claims::claim(tx, tenant, campaign, lead, "sequence", hour(51)).await?;
            email_claims::finish(tx, tenant, campaign, lead, hour(51)).await?;
            counts.messages.fetch_add(1, Ordering::Relaxed);
            let to_email = LeadStage::EmailSequenced;
            stages::move_stage(tx, tenant, campaign, lead, to_email, hour(51)).await?;
            let cost = costs::EMAIL_SEQUENCE_USD;
            event(
                tx,
                tenant,
                to_email.as_str(),
                campaign,
                lead,
                cost,
                hour(51),
                counts,
            )
            .await?;
            if to == LeadStage::EmailReplied {
                reply(tx, tenant, campaign, lead, i, "email", hour(80), counts).await?;
            }
            Ok(())
        }
        LeadStage::OptedOut => {
            stages::move_stage(tx, tenant, campaign, lead, to, hour(30)).await?;
            event(
                tx,
                tenant,
                to.as_str(),
                campaign,
                lead,
                0.0,
                hour(30),
                counts,
            )
            .await
        }
        _ => Ok(()),
    }
}

/// A reply of lead `i` on `channel`, recorded and moving the lead as the reply handler does.
#[allow(clippy::too_many_arguments)] // the lead, its campaign and its draw
async fn reply(
    tx: &mut Tx,
    tenant: TenantId,
    campaign: Uuid,
    lead: Uuid,
    i: u64,
    channel: &str,
    at: DateTime<Utc>,
    counts: &Counts,
) -> anyhow::Result<()> {
    let id = format!("bench-reply-{channel}-{i}");
    let chat = format!("bench-chat-{i}");
    let inbound = Inbound {
        campaign: Some(campaign),
        lead,
        channel,
        provider_message_id: &id,
        chat: (channel == "dm").then_some(chat.as_str()),
        body: "Thanks, very useful!",
    };
    messages::insert_inbound(tx, tenant, &inbound, at).await?;
    counts.messages.fetch_add(1, Ordering::Relaxed);
    let (stage, kind) = if channel == "dm" {
        (LeadStage::Replied, "dm_replied")
    } else {
        (LeadStage::EmailReplied, LeadStage::EmailReplied.as_str())
    };
    stages::move_stage(tx, tenant, campaign, lead, stage, at).await?;
    event(tx, tenant, kind, campaign, lead, 0.0, at, counts).await
}
