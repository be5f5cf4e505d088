//! Lead tools: list and filter leads, enrich one now, draft a campaign's DM for a lead (nothing
//! sent) and queue it through the paced, exactly-once send path.

use super::registry::ToolRegistry;
use super::resolve;
use super::{Done, Outcome, ToolContext, ToolError};
use super::{ToolEffect, tool_name};
use chrono::{DateTime, NaiveDate, Utc};
use futures::future::BoxFuture;
use revos_app::App;
use revos_app::leads::LeadFilter;
use revos_app::outreach::enrichment::EnrichOutcome;
use revos_domain::PageRequest;
use revos_domain::lead::LeadStage;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

tool_name!(ListLeadsArgs, "list_leads");
tool_name!(EnrichLeadArgs, "enrich_lead");
tool_name!(DraftDmArgs, "draft_dm");
tool_name!(QueueDmArgs, "queue_dm");

/// The most leads one call returns.
const MAX_LEADS: u32 = 200;

pub(super) fn register(r: &mut ToolRegistry) {
    r.add(
        ToolEffect::READ_UNTRUSTED,
        "List the workspace's leads, filtered by campaign, stage, when their stage changed \
         (since/until) and text in their name, email, company, title or headline.",
        list_leads,
    );
    r.add(
        ToolEffect::WRITE_UNTRUSTED,
        "Enrich a lead now (email, title, company) unless it was enriched in the last 30 days.",
        enrich_lead,
    );
    r.add(
        ToolEffect::READ_UNTRUSTED,
        "Show the DM a campaign would send to a lead. Nothing is sent or recorded.",
        draft_dm,
    );
    r.add(
        ToolEffect::WRITE,
        "Queue a campaign's DM to one of its leads. It is sent once, paced by the LinkedIn \
         account, never to a lead on the do-not-contact list, and only while the campaign is \
         active.",
        queue_dm,
    );
}

/// Arguments of `list_leads`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListLeadsArgs {
    /// Only leads of this campaign (name or id).
    #[serde(default)]
    pub campaign: Option<String>,
    /// Only leads at this stage: scraped, enriched, awaiting_connection, dm_queued, dm_sent,
    /// replied, email_sequenced, email_replied or opted_out.
    #[serde(default)]
    pub stage: Option<String>,
    /// Only leads whose stage changed at or after this time (RFC 3339, or a date YYYY-MM-DD).
    #[serde(default)]
    pub since: Option<String>,
    /// Only leads whose stage changed before this time (RFC 3339, or a date YYYY-MM-DD).
    #[serde(default)]
    pub until: Option<String>,
    /// Only leads whose name, email, company, title or headline contains this text.
    #[serde(default)]
    pub text: Option<String>,
    /// At most this many leads (1 to 200, default 50).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Names one lead.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrichLeadArgs {
    /// The lead's name (any case) or id.
    pub lead: String,
}

/// Names a lead and a campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftDmArgs {
    /// The lead's name (any case) or id.
    pub lead: String,
    /// The campaign's name (any case) or id.
    pub campaign: String,
}

/// Names a lead and a campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueDmArgs {
    /// The lead's name (any case) or id.
    pub lead: String,
    /// The campaign's name (any case) or id.
    pub campaign: String,
}

/// A time argument: RFC 3339, or a date meaning its midnight UTC.
fn parse_time(field: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ToolError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Some(d.and_utc()))
        .ok_or_else(|| {
            ToolError::field(
                "invalid_arguments",
                field,
                format!("{field}: must be an RFC 3339 time or a YYYY-MM-DD date"),
            )
        })
}

fn list_leads<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: ListLeadsArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let stage = match args
            .stage
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => Some(
                LeadStage::parse(&raw.to_lowercase().replace(' ', "_")).ok_or_else(|| {
                    ToolError::field(
                        "invalid_arguments",
                        "stage",
                        "stage: must be scraped, enriched, awaiting_connection, dm_queued, \
                         dm_sent, replied, email_sequenced, email_replied or opted_out",
                    )
                })?,
            ),
        };
        let since = parse_time("since", args.since.as_deref())?;
        let until = parse_time("until", args.until.as_deref())?;
        let limit = args.limit.unwrap_or(PageRequest::DEFAULT_LIMIT);
        if !(1..=MAX_LEADS).contains(&limit) {
            return Err(ToolError::field(
                "invalid_arguments",
                "limit",
                format!("limit: must be between 1 and {MAX_LEADS}"),
            ));
        }
        let campaign = match args.campaign.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => Some(resolve::campaign(app, who, "campaign", c).await?),
            None => None,
        };
        let filter = LeadFilter {
            campaign_id: campaign.as_ref().map(|c| c.id),
            stage,
            q: args.text.filter(|t| !t.trim().is_empty()),
            since,
            until,
            ..LeadFilter::default()
        };
        let page = app
            .list_leads(who, &filter, PageRequest { limit, after: None })
            .await?;
        let mut summary = format!("{} lead(s)", page.items.len());
        if let Some(s) = stage {
            summary.push_str(&format!(" at stage {}", s.as_str()));
        }
        if let Some(c) = &campaign {
            summary.push_str(&format!(" in {}", c.spec.name));
        }
        if let Some(s) = since {
            summary.push_str(&format!(" since {}", s.format("%Y-%m-%d %H:%M UTC")));
        }
        if page.next_after.is_some() {
            summary.push_str(" (more exist; narrow the filter)");
        }
        let names: Vec<&str> = page
            .items
            .iter()
            .take(10)
            .map(|l| l.name.as_str())
            .collect();
        if !names.is_empty() {
            summary.push_str(&format!(": {}", names.join(", ")));
        }
        Done::new(
            json!({"leads": page.items, "more": page.next_after.is_some()}),
            summary,
        )
        .map(|d| d.link("/leads".into()))
    })
}

fn enrich_lead<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: EnrichLeadArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let lead = resolve::lead(app, who, "lead", &args.lead).await?;
        let outcome = app.enrich_lead(who.tenant, lead.id, None).await?;
        let lead = app.get_lead(who, lead.id).await?.lead;
        let (word, summary) = match outcome {
            EnrichOutcome::Cached => (
                "cached",
                format!(
                    "{} was enriched in the last 30 days: no new lookup",
                    lead.name
                ),
            ),
            EnrichOutcome::Found => (
                "found",
                format!(
                    "Lead enriched: {}{}",
                    lead.name,
                    lead.email
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                ),
            ),
            EnrichOutcome::NotFound => (
                "not_found",
                format!("No enrichment data found for {}", lead.name),
            ),
        };
        let l = format!("/leads/{}", lead.id);
        Ok(Done::new(json!({"outcome": word, "lead": lead}), summary)?.link(l))
    })
}

fn draft_dm<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: DraftDmArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let campaign = resolve::campaign(app, who, "campaign", &args.campaign).await?;
        let lead = resolve::lead(app, who, "lead", &args.lead).await?;
        let draft = app.draft_dm(who, campaign.id, lead.id).await?;
        let summary = format!("DM draft for {}: {}", draft.lead_name, draft.body);
        let l = format!("/leads/{}", lead.id);
        Ok(Done::new(&draft, summary)?.link(l))
    })
}

fn queue_dm<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: QueueDmArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let campaign = resolve::campaign(app, who, "campaign", &args.campaign).await?;
        let lead = resolve::lead(app, who, "lead", &args.lead).await?;
        let queued = app.request_dm(who, campaign.id, lead.id).await?;
        let mut summary = format!("DM queued for {} in {}", lead.name, campaign.spec.name);
        if queued.campaign_status != revos_domain::campaign::CampaignStatus::Active {
            summary.push_str(&format!(
                " (the campaign is {}: it goes out once the campaign is active)",
                queued.campaign_status.as_str()
            ));
        }
        let l = format!("/leads/{}", lead.id);
        Ok(Done::new(&queued, summary)?.link(l))
    })
}
