//! Reading leads: the filtered list (per workspace or per campaign), the CSV export's rows,
//! and one lead with its campaigns and its timeline of events and messages. Any member of
//! the workspace may read its leads; other workspaces' leads do not exist for them.

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::lead::LeadStage;
use revos_domain::lead_tag::Tag;
use revos_domain::validation::Collector;
use revos_domain::{Page, PageRequest, TenantId, ValidationErrors};
use revos_store::lead_export::{self, LeadExportRow};
use revos_store::lead_queries as store;
use revos_store::{Store, Tx, campaigns, lead_tags};
use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

/// The longest search text accepted.
const MAX_SEARCH_CHARS: usize = 200;

/// A lead as the API shows it: the store's record, whose serialisation is the API's.
pub use revos_store::lead_queries::LeadRecord as Lead;

/// Which leads to list; the filters combine.
#[derive(Clone, Debug, Default)]
pub struct LeadFilter {
    /// Only leads of this campaign, each with its stage there.
    pub campaign_id: Option<Uuid>,
    /// Only leads at this stage, in `campaign_id` or else in any campaign.
    pub stage: Option<LeadStage>,
    /// Only leads whose name, email, company, title or headline contains this, ignoring case.
    pub q: Option<String>,
    /// Only leads on (true) or off (false) the do-not-contact list.
    pub do_not_contact: Option<bool>,
    /// Only leads whose stage (in `campaign_id`, else in any campaign) last changed at or
    /// after this time: "leads who replied this week".
    pub since: Option<DateTime<Utc>>,
    /// Only leads whose stage last changed before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only leads carrying this tag (compared normalised: trimmed, lower-case).
    pub tag: Option<String>,
}

impl LeadFilter {
    /// The filter checked, with its tag normalised as tags are stored; each bad value named
    /// by its parameter.
    pub(crate) fn checked(&self) -> Result<Self> {
        let mut c = Collector::default();
        if let Some(q) = &self.q {
            c.text("q", q, 1, MAX_SEARCH_CHARS);
        }
        let tag = match self.tag.as_deref().map(Tag::parse) {
            None => None,
            Some(Ok(tag)) => Some(tag.as_str().to_owned()),
            Some(Err(message)) => {
                c.push("tag", message);
                None
            }
        };
        c.finish()?;
        Ok(Self {
            tag,
            ..self.clone()
        })
    }

    pub(crate) fn for_store(&self) -> store::LeadFilter<'_> {
        store::LeadFilter {
            campaign: self.campaign_id,
            stage: self.stage,
            search: self.q.as_deref(),
            do_not_contact: self.do_not_contact,
            since: self.since,
            until: self.until,
            tag: self.tag.as_deref(),
        }
    }
}

/// A campaign a lead is in.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadCampaign {
    /// The campaign.
    pub campaign_id: Uuid,
    /// Its name.
    pub name: String,
    /// Where the lead stands in it.
    pub stage: LeadStage,
    /// When the lead joined it.
    pub joined_at: DateTime<Utc>,
    /// When the lead first opened the campaign's tracked lead-magnet link (null: not yet, or
    /// the DM carried the plain URL).
    pub magnet_opened_at: Option<DateTime<Utc>>,
    /// How many opens of that link counted (at most one a minute; bots and previews never).
    pub magnet_open_count: i64,
}

/// One entry of a lead's timeline.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TimelineEntry {
    /// Something the pipeline recorded (`lead_scraped`, `dm_sent`, `opted_out`, …).
    Event {
        /// When it happened.
        at: DateTime<Utc>,
        /// What happened.
        kind: String,
        /// The campaign it happened in, if any.
        campaign_id: Option<Uuid>,
        /// What it cost, in US dollars (0 when free).
        cost: f64,
        /// Everything the event recorded.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        data: serde_json::Value,
    },
    /// A DM or email, sent or received.
    Message {
        /// When it went out (outbound and sent), else when it was recorded.
        at: DateTime<Utc>,
        /// The campaign it belongs to, if any.
        campaign_id: Option<Uuid>,
        /// `dm` or `email`.
        channel: String,
        /// `out` or `in`.
        direction: String,
        /// `queued`, `sending`, `sent` or `failed` going out; `received` coming in.
        status: String,
        /// The text.
        body: String,
    },
}

/// A lead with its campaigns and everything that happened to it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadDetail {
    /// The lead.
    #[serde(flatten)]
    pub lead: Lead,
    /// Its tags, alphabetically.
    pub tags: Vec<String>,
    /// The campaigns it is in, in the order it joined them.
    pub campaigns: Vec<LeadCampaign>,
    /// Its events and messages merged, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// The timeline entry of an event, whose data is JSON naming the campaign and the cost; data
/// that is not JSON is shown as the text it is.
fn event_entry(e: store::LeadEventRow) -> TimelineEntry {
    let data = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::String(e.data));
    TimelineEntry::Event {
        at: e.occurred_at,
        kind: e.kind,
        campaign_id: data
            .get("campaign_id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok()),
        cost: data.get("cost").and_then(|v| v.as_f64()).unwrap_or(0.0),
        data,
    }
}

/// A campaign of a lead as the API shows it.
fn lead_campaign(c: store::LeadCampaignRow) -> LeadCampaign {
    LeadCampaign {
        stage: c.status,
        campaign_id: c.campaign_id,
        name: c.name,
        joined_at: c.created_at,
        magnet_opened_at: c.magnet_opened_at,
        magnet_open_count: c.magnet_open_count,
    }
}

/// The campaigns lead `id` of the caller's workspace is in, with its stage in each.
async fn campaigns_of(tx: &mut Tx, who: &Principal, id: Uuid) -> Result<Vec<LeadCampaign>> {
    Ok(store::campaigns_of(tx, who.tenant, id)
        .await?
        .into_iter()
        .map(lead_campaign)
        .collect())
}

/// An export whose filters were checked, ready to stream: see [`App::export_leads`].
pub struct LeadExport {
    store: Store,
    tenant: TenantId,
    filter: LeadFilter,
}

/// One row of the CSV export: a lead and one campaign it is in, with its stage there.
pub use revos_store::lead_export::LeadExportRow as ExportRow;

impl LeadExport {
    /// Sends every row of the export to `out` in batches, holding one batch at a time:
    /// one row per campaign of each matching lead that matches the campaign, stage and
    /// date filters (a lead in no campaign, when none of those is given, has one row
    /// without a campaign), in lead order. Stops without error when `out` is closed.
    pub async fn run(self, out: &mpsc::Sender<Vec<LeadExportRow>>) -> Result<()> {
        lead_export::export(&self.store, self.tenant, &self.filter.for_store(), out).await?;
        Ok(())
    }
}

impl App {
    /// The campaigns (with the lead's stage in each) of each of `leads`, in the same order:
    /// for a lead list that shows every campaign's stage. One query for the whole page.
    /// Leads of other workspaces have none.
    pub async fn campaigns_of_leads(
        &self,
        who: &Principal,
        leads: &[Uuid],
    ) -> Result<Vec<Vec<LeadCampaign>>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::campaigns_of_leads(&mut tx, who.tenant, leads).await?;
        let mut by_lead: std::collections::HashMap<Uuid, Vec<LeadCampaign>> =
            std::collections::HashMap::with_capacity(leads.len());
        for row in rows {
            by_lead
                .entry(row.lead_id)
                .or_default()
                .push(lead_campaign(row.campaign));
        }
        Ok(leads
            .iter()
            .map(|l| by_lead.remove(l).unwrap_or_default())
            .collect())
    }

    /// Fails with 404 unless `campaign` is a campaign of the caller's workspace.
    async fn require_campaign(&self, tx: &mut Tx, who: &Principal, campaign: Uuid) -> Result<()> {
        campaigns::get(tx, who.tenant, campaign)
            .await?
            .map(|_| ())
            .ok_or(AppError::NotFound("campaign"))
    }

    /// Checks that a list's `campaign_id` is a campaign of the caller's workspace: another
    /// workspace's (or none) is an input error naming the field.
    pub(crate) async fn check_campaign_filter(
        &self,
        tx: &mut Tx,
        who: &Principal,
        filter: &LeadFilter,
    ) -> Result<()> {
        if let Some(c) = filter.campaign_id
            && campaigns::get(tx, who.tenant, c).await?.is_none()
        {
            return Err(ValidationErrors::single(
                "campaign_id",
                "no such campaign in this workspace",
            )
            .into());
        }
        Ok(())
    }

    /// Lists the workspace's leads matching `filter`. A `campaign_id` of another workspace
    /// (or of none) is an input error naming the field.
    pub async fn list_leads(
        &self,
        who: &Principal,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Page<Lead>> {
        let filter = &filter.checked()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        self.check_campaign_filter(&mut tx, who, filter).await?;
        self.lead_page(&mut tx, who, filter, page).await
    }

    /// Lists the leads of one campaign (404 when it is not the workspace's), each with its
    /// stage there; `filter.campaign_id` is ignored.
    pub async fn list_campaign_leads(
        &self,
        who: &Principal,
        campaign: Uuid,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Page<Lead>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        self.require_campaign(&mut tx, who, campaign).await?;
        let filter = LeadFilter {
            campaign_id: Some(campaign),
            ..filter.checked()?
        };
        self.lead_page(&mut tx, who, &filter, page).await
    }

    async fn lead_page(
        &self,
        tx: &mut Tx,
        who: &Principal,
        filter: &LeadFilter,
        page: PageRequest,
    ) -> Result<Page<Lead>> {
        let rows = store::list(tx, who.tenant, &filter.for_store(), page).await?;
        let mut page = Page::from_rows(rows, page, |r| r.id);
        // The page's tags, in one query.
        let ids: Vec<Uuid> = page.items.iter().map(|l| l.id).collect();
        let mut tags: std::collections::HashMap<Uuid, Vec<String>> =
            std::collections::HashMap::with_capacity(ids.len());
        for (lead, tag) in lead_tags::of_leads(tx, who.tenant, &ids).await? {
            tags.entry(lead).or_default().push(tag);
        }
        for lead in &mut page.items {
            lead.tags = Some(tags.remove(&lead.id).unwrap_or_default());
        }
        Ok(page)
    }

    /// Checks an export's filters (bad input and another workspace's campaign are errors
    /// now, before anything is sent) and returns the export to stream with
    /// [`LeadExport::run`].
    pub async fn export_leads(&self, who: &Principal, filter: &LeadFilter) -> Result<LeadExport> {
        let filter = &filter.checked()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        self.check_campaign_filter(&mut tx, who, filter).await?;
        tx.commit().await?;
        Ok(LeadExport {
            store: self.store.clone(),
            tenant: who.tenant,
            filter: filter.clone(),
        })
    }

    /// One lead of the workspace with its campaigns and timeline; 404 for any other lead.
    pub async fn get_lead(&self, who: &Principal, id: Uuid) -> Result<LeadDetail> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let lead: Lead = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("lead"))?;
        let campaigns = campaigns_of(&mut tx, who, id).await?;
        let tags = lead_tags::of_lead(&mut tx, who.tenant, id).await?;
        // Entries sort by time, then by id (UUIDv7: the order they were recorded).
        let mut timeline: Vec<(DateTime<Utc>, Uuid, TimelineEntry)> = Vec::new();
        for e in store::events_of(&mut tx, who.tenant, id).await? {
            timeline.push((e.occurred_at, e.id, event_entry(e)));
        }
        for m in store::messages_of(&mut tx, who.tenant, id).await? {
            let at = m.sent_at.unwrap_or(m.created_at);
            let entry = TimelineEntry::Message {
                at,
                campaign_id: m.campaign_id,
                channel: m.channel,
                direction: m.direction,
                status: m.status,
                body: m.body,
            };
            timeline.push((at, m.id, entry));
        }
        timeline.sort_by_key(|(at, id, _)| (*at, *id));
        Ok(LeadDetail {
            lead,
            tags,
            campaigns,
            timeline: timeline.into_iter().map(|(_, _, e)| e).collect(),
        })
    }
}
