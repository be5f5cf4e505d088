//! The bulk of the bench workspace: leads at every stage of their campaigns, with the events
//! and messages their path leaves, built here row by row as the pipeline's writers leave
//! them (the rows of `leads::upsert`, `record_enrichment`, `join_campaign`, `move_stage`,
//! `insert_dm`/`set_dm`, the email claim, `insert_inbound`, and the app's event shape of
//! `pipeline_events::append`) and written with the store's bulk loader
//! ([`revos_store::bulk_load`]), [`BATCH`] leads per transaction by several tasks at once.
//! The loader stores each lead's folded search text and each event's cost; the funnel
//! rollup is then rebuilt once from the rows by the backfill's rule (the bench's test checks
//! it against the per-lead count). Writing one lead at a time through the per-step writers
//! did about 185 leads a second on PostgreSQL, an hour and a half for a million.
//!
//! Shaped like the measured agency workspace: about 1.2 campaign memberships, 3 events and
//! 0.65 messages per lead; names with accents, a common word in a third of the headlines and
//! a rare surname in one lead of 250,000.

use chrono::{DateTime, Duration, Utc};
use revos_app::Store;
use revos_domain::TenantId;
use revos_domain::costs;
use revos_domain::lead::{DmState, LeadStage};
use revos_store::bulk_load::{self, LoadEvent, LoadLead, LoadMembership, LoadMessage};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// Leads per transaction.
const BATCH: u64 = 2_000;

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
/// counting into `counts`, then rebuilds the workspace's funnel rollup from the rows.
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
                let mut rows = Rows::default();
                for i in first..(first + BATCH).min(n) {
                    let at = start + Duration::milliseconds(i64::try_from(i * step_ms)?);
                    rows.lead(&campaigns, i, at);
                }
                let mut tx = store.begin_for(tenant).await?;
                bulk_load::insert_leads(&mut tx, tenant, &rows.leads).await?;
                bulk_load::insert_memberships(&mut tx, tenant, &rows.members).await?;
                bulk_load::insert_messages(&mut tx, tenant, &rows.messages).await?;
                bulk_load::insert_events(&mut tx, tenant, &rows.events).await?;
                tx.commit().await?;
                rows.count(&counts);
            }
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(())
}

/// Recomputes the rollups of `tenant` from the bulk-loaded rows, as the production writers
/// would have kept them. Run after the tables were analyzed: without statistics PostgreSQL
/// judges the fresh tables empty and joins them row by row.
pub async fn rebuild(store: &Store, tenant: TenantId) -> anyhow::Result<()> {
    let mut tx = store.begin_for(tenant).await?;
    bulk_load::rebuild_rollups(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(())
}

/// The rows of a batch of leads, in the order they are written.
#[derive(Default)]
struct Rows {
    leads: Vec<LoadLead>,
    members: Vec<LoadMembership>,
    events: Vec<LoadEvent>,
    messages: Vec<LoadMessage>,
}

impl Rows {
    fn count(&self, counts: &Counts) {
        let add = |to: &AtomicU64, n: usize| to.fetch_add(n as u64, Ordering::Relaxed);
        add(&counts.leads, self.leads.len());
        add(&counts.campaign_leads, self.members.len());
        add(&counts.events, self.events.len());
        add(&counts.messages, self.messages.len());
    }

    /// Lead `i` found at `at`: the person, their first campaign walked to its target stage,
    /// and for one lead in five a second campaign where they were only scraped (after the
    /// enrichment, so counted enriched there too when it ran).
    fn lead(&mut self, campaigns: &[Uuid], i: u64, at: DateTime<Utc>) {
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
        let id = Uuid::now_v7();
        self.leads.push(LoadLead {
            id,
            linkedin_url: Some(format!("https://www.linkedin.com/in/{provider_id}")),
            provider_id,
            name,
            headline: Some(headline),
            email: None,
            email_status: None,
            title: None,
            company: None,
            industry: None,
            company_size: None,
            enriched_at: None,
            created_at: at,
            updated_at: at,
        });
        let c = usize::try_from(i % campaigns.len() as u64).unwrap_or(0);
        self.walk(campaigns[c], id, i, target(r >> 20), at);
        if (r >> 28).is_multiple_of(5) && campaigns.len() > 1 {
            let other = campaigns[(c + 1) % campaigns.len()];
            self.join(other, id, at + Duration::days(2));
        }
    }

    /// The lead joins `campaign` at `at`, scraped (`join_campaign` and its event).
    fn join(&mut self, campaign: Uuid, lead: Uuid, at: DateTime<Utc>) {
        self.members.push(LoadMembership {
            id: Uuid::now_v7(),
            campaign,
            lead,
            stage: LeadStage::Scraped,
            created_at: at,
            updated_at: at,
        });
        self.event("lead_scraped", campaign, lead, 0.0, at);
    }

    /// An event of the campaign about the lead, in `pipeline_events::append`'s shape.
    fn event(
        &mut self,
        kind: &'static str,
        campaign: Uuid,
        lead: Uuid,
        cost: f64,
        at: DateTime<Utc>,
    ) {
        let data = serde_json::json!({"campaign_id": campaign, "lead_id": lead, "cost": cost});
        self.events.push(LoadEvent {
            id: Uuid::now_v7(),
            kind,
            campaign: Some(campaign),
            subject: Some(lead),
            data: data.to_string(),
            cost_usd: (cost != 0.0).then_some(cost),
            at,
        });
    }

    /// The lead's stage in its newest membership moves to `to` at `at`.
    fn moved(&mut self, to: LeadStage, at: DateTime<Utc>) {
        if let Some(m) = self.members.last_mut() {
            m.stage = to;
            m.updated_at = at;
        }
    }

    /// Walks lead `i` through `campaign` to `to` as the pipeline would: scraped, enriched
    /// (most of them, with the Apollo credit's cost), DM queued and sent, then a reply, the
    /// email sequence, an email reply or an opt-out.
    fn walk(&mut self, campaign: Uuid, lead: Uuid, i: u64, to: LeadStage, at: DateTime<Utc>) {
        self.join(campaign, lead, at);
        let hour = |h: i64| at + Duration::hours(h);
        if to == LeadStage::Scraped {
            return;
        }
        if to == LeadStage::Enriched || mix(i ^ 0xE) % 10 < 8 {
            if let Some(l) = self.leads.last_mut() {
                l.email = Some(format!("lead{i}@example.com"));
                l.email_status = Some("verified".into());
                l.title = Some("Head of Growth".into());
                l.company = Some(pick(&COMPANIES, i).into());
                l.industry = Some("Software".into());
                l.company_size = Some("11-50".into());
                l.enriched_at = Some(hour(1));
                l.updated_at = hour(1);
            }
            self.moved(LeadStage::Enriched, hour(1));
            let cost = costs::enrichment_usd(1);
            self.event("lead_enriched", campaign, lead, cost, hour(1));
        }
        if to == LeadStage::Enriched {
            return;
        }
        if to == LeadStage::AwaitingConnection {
            self.moved(to, hour(2));
            return;
        }
        self.moved(LeadStage::DmQueued, hour(2));
        self.messages.push(LoadMessage {
            id: Uuid::now_v7(),
            campaign: Some(campaign),
            lead,
            channel: "dm",
            direction: "out",
            status: DmState::Queued.as_str(),
            body: String::new(),
            chat: None,
            provider_message_id: None,
            sent_at: None,
            created_at: hour(2),
            updated_at: hour(2),
        });
        self.event(LeadStage::DmQueued.as_str(), campaign, lead, 0.0, hour(2));
        if to == LeadStage::DmQueued {
            return;
        }
        if let Some(dm) = self.messages.last_mut() {
            dm.status = DmState::Sent.as_str();
            dm.body = "Hi, thanks for your comment! Here is the playbook.".into();
            dm.chat = Some(format!("bench-chat-{i}"));
            dm.provider_message_id = Some(format!("bench-dm-{i}"));
            dm.sent_at = Some(hour(3));
            dm.updated_at = hour(3);
        }
        self.moved(LeadStage::DmSent, hour(3));
        let sent = LeadStage::DmSent.as_str();
        self.event(sent, campaign, lead, costs::DM_USD, hour(3));
        match to {
            LeadStage::Replied => self.reply(campaign, lead, i, "dm", hour(20)),
            LeadStage::EmailSequenced | LeadStage::EmailReplied => {
                self.messages.push(LoadMessage {
                    id: Uuid::now_v7(),
                    campaign: Some(campaign),
                    lead,
                    channel: "email",
                    direction: "out",
                    status: DmState::Sent.as_str(),
                    body: "sequence".into(),
                    chat: None,
                    provider_message_id: None,
                    sent_at: Some(hour(51)),
                    created_at: hour(51),
                    updated_at: hour(51),
                });
                let to_email = LeadStage::EmailSequenced;
                self.moved(to_email, hour(51));
                let cost = costs::EMAIL_SEQUENCE_USD;
                self.event(to_email.as_str(), campaign, lead, cost, hour(51));
                if to == LeadStage::EmailReplied {
                    self.reply(campaign, lead, i, "email", hour(80));
                }
            }
            LeadStage::OptedOut => {
                self.moved(to, hour(30));
                self.event(to.as_str(), campaign, lead, 0.0, hour(30));
            }
            _ => {}
        }
    }

    /// A reply of lead `i` on `channel` (`insert_inbound`), moving the lead as the reply
    /// handler does.
    fn reply(
        &mut self,
        campaign: Uuid,
        lead: Uuid,
        i: u64,
        channel: &'static str,
        at: DateTime<Utc>,
    ) {
        self.messages.push(LoadMessage {
            id: Uuid::now_v7(),
            campaign: Some(campaign),
            lead,
            channel,
            direction: "in",
            status: "received",
            body: "Thanks, very useful!".into(),
            chat: (channel == "dm").then(|| format!("bench-chat-{i}")),
            provider_message_id: Some(format!("bench-reply-{channel}-{i}")),
            sent_at: Some(at),
            created_at: at,
            updated_at: at,
        });
        let (stage, kind) = if channel == "dm" {
            (LeadStage::Replied, "dm_replied")
        } else {
            (LeadStage::EmailReplied, LeadStage::EmailReplied.as_str())
        };
        self.moved(stage, at);
        self.event(kind, campaign, lead, 0.0, at);
    }
}
