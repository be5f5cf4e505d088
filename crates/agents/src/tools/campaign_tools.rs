//! Campaign tools: create one from a few words (or with a whole multi-step sequence), change
//! a campaign's sequence, activate, pause, resume, report on it, list them, search the lead
//! magnet library and add a link to it, and the funnel of one campaign or of the whole
//! workspace.

use super::registry::ToolRegistry;
use super::resolve;
use super::sequence_args::{self, StepArg};
use super::{Done, Outcome, ToolContext, ToolError};
use super::{ToolEffect, tool_name};
use futures::future::BoxFuture;
use revos_app::App;
use revos_app::campaigns::{Campaign, Transition};
use revos_domain::campaign::{CampaignSpec, CampaignStatus, LeadMagnet};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

tool_name!(CreateCampaignArgs, "create_campaign");
tool_name!(UpdateCampaignStepsArgs, "update_campaign_steps");
tool_name!(ActivateCampaignArgs, "activate_campaign");
tool_name!(PauseCampaignArgs, "pause_campaign");
tool_name!(ResumeCampaignArgs, "resume_campaign");
tool_name!(CampaignReportArgs, "campaign_report");
tool_name!(ListCampaignsArgs, "list_campaigns");
tool_name!(SearchLeadMagnetsArgs, "search_lead_magnets");
tool_name!(CreateLeadMagnetArgs, "create_lead_magnet");
tool_name!(FunnelArgs, "funnel_report");

/// The DM a campaign sends when none is given.
const DEFAULT_DM_TEMPLATE: &str = "Hi {{ first_name }}, thanks for your comment! Here is \
    {{ lead_magnet_title }}: {{ lead_magnet_url }}";

pub(super) fn register(r: &mut ToolRegistry) {
    r.add(
        ToolEffect::WRITE,
        "Create a draft campaign that watches LinkedIn posts for trigger words and DMs the lead \
         magnet to commenters. Only name and lead_magnet_title are required; the reply says which \
         defaults were used and what must still be set before the campaign can be activated \
         (missing_before_activation: tell the user).",
        create_campaign,
    );
    r.add(
        ToolEffect::WRITE,
        "Replace a campaign's sequence: the first DM, then follow-ups each delay_hours after \
         the previous step, sent only to leads who have not replied (optionally only if \
         connected or if they opened the lead magnet), each with 1 to 5 A/B texts. Give the \
         step ids campaign_report shows to keep steps; a step already sent to a lead is never \
         sent to them again.",
        update_campaign_steps,
    );
    r.add(
        ToolEffect::WRITE,
        "Activate a draft campaign: it starts watching its posts and DMing commenters who use a \
         trigger word. Refused, naming every missing field, when it cannot work yet.",
        activate_campaign,
    );
    r.add(
        ToolEffect::WRITE,
        "Pause an active campaign: no DM is sent until it is resumed.",
        pause_campaign,
    );
    r.add(
        ToolEffect::WRITE,
        "Resume a paused campaign: waiting DMs go back to the send queue.",
        resume_campaign,
    );
    r.add(
        ToolEffect::READ,
        "Report on one campaign: its settings, status, funnel counts and cost.",
        campaign_report,
    );
    r.add(
        ToolEffect::READ,
        "List the workspace's campaigns, optionally of one status.",
        list_campaigns,
    );
    r.add(
        ToolEffect::READ,
        "Search the workspace's lead magnet library by meaning: titles, descriptions, tags and \
         the text of uploaded PDFs. Use the id as a campaign's lead_magnet_id.",
        search_lead_magnets,
    );
    r.add(
        ToolEffect::WRITE,
        "Add a lead magnet that is a link (title and http(s) URL) to the workspace's library.",
        create_lead_magnet,
    );
    r.add(
        ToolEffect::READ,
        "The funnel (scraped, enriched, DMs sent, replies, emails, opt-outs) and cost of one \
         campaign, or of the whole workspace when no campaign is named.",
        funnel_report,
    );
}

/// Arguments of `create_campaign`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignArgs {
    /// The campaign's name, e.g. "Spring Guide".
    pub name: String,
    /// The client (cartridge) whose voice the campaign speaks in, by name or id. Default: the
    /// session's selected cartridge, if any.
    #[serde(default)]
    pub client: Option<String>,
    /// Words or phrases that make a commenter a lead, e.g. ["GUIDE"]. Empty: every commenter.
    #[serde(default)]
    pub trigger_words: Vec<String>,
    /// The title of the resource promised to commenters, e.g. "Hiring checklist".
    pub lead_magnet_title: String,
    /// Where the lead magnet is (http or https). Default: a placeholder to replace before
    /// activating the campaign.
    #[serde(default)]
    pub lead_magnet_url: Option<String>,
    /// What the lead magnet is. Default: empty.
    #[serde(default)]
    pub lead_magnet_description: Option<String>,
    /// The LinkedIn account that watches and sends, by name or id. Default: the workspace's
    /// first account.
    #[serde(default)]
    pub linkedin_account: Option<String>,
    /// The DM, with variables such as {{ first_name }}, {{ lead_magnet_title }} and
    /// {{ lead_magnet_url }}. Default: a short thank-you with the link.
    #[serde(default)]
    pub dm_template: Option<String>,
    /// Provider ids of LinkedIn posts to watch. Default: none yet.
    #[serde(default)]
    pub watched_posts: Vec<String>,
    /// A multi-step sequence instead of one DM: the first step's first text is the DM
    /// (dm_template is then ignored), follow-ups come delay_hours after the previous step.
    /// Default: the one DM.
    #[serde(default)]
    pub steps: Vec<StepArg>,
}

/// Arguments of `update_campaign_steps`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaignStepsArgs {
    /// The campaign's name (any case) or id.
    pub campaign: String,
    /// The whole sequence, in order (1 to 10 steps); steps left out are removed.
    pub steps: Vec<StepArg>,
}

/// Names one campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateCampaignArgs {
    /// The campaign's name (any case) or id.
    pub campaign: String,
}

/// Names one campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseCampaignArgs {
    /// The campaign's name (any case) or id.
    pub campaign: String,
}

/// Names one campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeCampaignArgs {
    /// The campaign's name (any case) or id.
    pub campaign: String,
}

/// Names one campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignReportArgs {
    /// The campaign's name (any case) or id.
    pub campaign: String,
}

/// Arguments of `list_campaigns`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCampaignsArgs {
    /// Only campaigns of this status: draft, active, paused or completed.
    #[serde(default)]
    pub status: Option<String>,
}

/// Arguments of `search_lead_magnets`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchLeadMagnetsArgs {
    /// What the lead magnet is about, e.g. "hiring" or "a checklist for onboarding engineers".
    pub query: String,
}

/// Arguments of `create_lead_magnet`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeadMagnetArgs {
    /// Its title, e.g. "The Hiring Checklist".
    pub title: String,
    /// Where leads get it (http or https).
    pub url: String,
    /// What it is.
    #[serde(default)]
    pub description: Option<String>,
    /// Labels to find it by.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// Arguments of `funnel_report`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunnelArgs {
    /// The campaign (name or id); omit it for the whole workspace.
    #[serde(default)]
    pub campaign: Option<String>,
}

fn link(c: &Campaign) -> String {
    format!("/campaigns/{}", c.id)
}

/// A URL path segment made of the words of `title`.
fn slug(title: &str) -> String {
    let words = revos_domain::triggers::words(title);
    if words.is_empty() {
        "lead-magnet".into()
    } else {
        words.join("-")
    }
}

fn create_campaign<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: CreateCampaignArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let mut defaults = serde_json::Map::new();
        let cartridge = match args.client.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => Some(resolve::cartridge_id(app, who, "client", c).await?),
            None => {
                if let Some(c) = ctx.cartridge {
                    defaults.insert("client".into(), json!(c));
                }
                ctx.cartridge
            }
        };
        let account = match args
            .linkedin_account
            .as_deref()
            .filter(|a| !a.trim().is_empty())
        {
            Some(a) => resolve::account(app, who, "linkedin_account", a).await?,
            None => {
                let page = revos_domain::PageRequest {
                    limit: 1,
                    after: None,
                };
                let first = app.list_accounts(who, page).await?.items.into_iter().next();
                let Some(first) = first else {
                    return Err(ToolError::field(
                        "not_found",
                        "linkedin_account",
                        "this workspace has no LinkedIn account yet; connect one (or add a \
                         sandbox account) before creating a campaign",
                    ));
                };
                defaults.insert(
                    "linkedin_account".into(),
                    json!({"id": first.id, "display_name": first.display_name}),
                );
                first
            }
        };
        let url = match args.lead_magnet_url {
            Some(u) if !u.trim().is_empty() => u.trim().to_owned(),
            _ => {
                let u = format!(
                    "https://example.com/lead-magnets/{}",
                    slug(&args.lead_magnet_title)
                );
                defaults.insert(
                    "lead_magnet_url".into(),
                    json!(format!(
                        "{u} (a placeholder: set the real link before activating)"
                    )),
                );
                u
            }
        };
        let steps = sequence_args::to_steps(args.steps, &[])?;
        let first_text = steps
            .first()
            .and_then(|s| s.variants.first())
            .map(|v| v.template.clone());
        let dm_template = match (first_text, args.dm_template) {
            (Some(first), _) => first,
            (None, Some(t)) if !t.trim().is_empty() => t,
            _ => {
                defaults.insert("dm_template".into(), json!(DEFAULT_DM_TEMPLATE));
                DEFAULT_DM_TEMPLATE.to_owned()
            }
        };
        let spec = CampaignSpec {
            name: args.name.trim().to_owned(),
            cartridge_id: cartridge.map(|c| c.0),
            linkedin_account_id: account.id,
            lead_magnet_id: None,
            lead_magnet: LeadMagnet {
                title: args.lead_magnet_title.trim().to_owned(),
                url,
                description: args.lead_magnet_description.unwrap_or_default(),
            },
            trigger_words: args
                .trigger_words
                .iter()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            watched_posts: args.watched_posts,
            dm_template,
            steps,
            personalize_dm: false,
            connect_reply_template: None,
            email_fallback: None,
        };
        let campaign = app.create_campaign(who, spec).await?;
        let mut summary = format!("Campaign created: {} (draft)", campaign.spec.name);
        if !defaults.is_empty() {
            let keys: Vec<&str> = defaults.keys().map(String::as_str).collect();
            summary.push_str(&format!("; defaults used for {}", keys.join(", ")));
        }
        // A draft with a placeholder link or nothing to watch is fine; saying so is required.
        let blockers = app.activation_blockers(who, campaign.id).await?;
        if !blockers.is_empty() {
            let missing: Vec<String> = blockers
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            summary.push_str(&format!(
                ". It cannot be activated yet: {}",
                missing.join("; ")
            ));
        }
        let l = link(&campaign);
        let value = json!({
            "campaign": campaign, "defaults": defaults, "missing_before_activation": blockers,
        });
        Ok(Done::new(value, summary)?.link(l))
    })
}

fn update_campaign_steps<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: UpdateCampaignStepsArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        if args.steps.is_empty() {
            return Err(ToolError::field(
                "validation_failed",
                "steps",
                "give the whole sequence: 1 to 10 steps",
            ));
        }
        let c = resolve::campaign(app, who, "campaign", &args.campaign).await?;
        let steps = sequence_args::to_steps(args.steps, &c.spec.steps)?;
        let mut spec = c.spec.clone();
        spec.dm_template = steps
            .first()
            .and_then(|s| s.variants.first())
            .map(|v| v.template.clone())
            .unwrap_or_default();
        spec.steps = steps;
        let campaign = app.update_campaign(who, c.id, spec).await?;
        let kept = campaign
            .spec
            .steps
            .iter()
            .filter(|s| c.spec.steps.iter().any(|old| old.id == s.id))
            .count();
        let summary = format!(
            "Sequence of {} saved: {} step(s), {kept} of them kept from before",
            campaign.spec.name,
            campaign.spec.steps.len()
        );
        let l = link(&campaign);
        Ok(Done::new(json!({ "campaign": campaign }), summary)?.link(l))
    })
}

async fn transition(app: &App, ctx: &ToolContext, campaign: String, step: Transition) -> Outcome {
    let who = &ctx.principal;
    let c = resolve::campaign(app, who, "campaign", &campaign).await?;
    let c = app.transition_campaign(who, c.id, step).await?;
    let verb = match step {
        Transition::Pause => CampaignStatus::Paused.as_str(),
        Transition::Activate => "activated",
        _ => "resumed",
    };
    let summary = format!("Campaign {verb}: {}", c.spec.name);
    let l = link(&c);
    Ok(Done::new(&c, summary)?.link(l))
}

fn activate_campaign<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: ActivateCampaignArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(transition(app, ctx, args.campaign, Transition::Activate))
}

fn pause_campaign<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: PauseCampaignArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(transition(app, ctx, args.campaign, Transition::Pause))
}

fn resume_campaign<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: ResumeCampaignArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(transition(app, ctx, args.campaign, Transition::Resume))
}

fn campaign_report<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: CampaignReportArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let c = resolve::campaign(app, who, "campaign", &args.campaign).await?;
        let funnel = app.campaign_funnel(who, c.id).await?;
        let n = &funnel.counts;
        let summary = format!(
            "{} ({}): {} leads, {} DMs sent, {} replies, ${:.2} spent",
            c.spec.name,
            c.status.as_str(),
            n.scraped,
            n.dm_sent,
            n.replied,
            funnel.cost_usd
        );
        let l = link(&c);
        Ok(Done::new(json!({"campaign": c, "funnel": funnel}), summary)?.link(l))
    })
}

fn list_campaigns<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: ListCampaignsArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let status = match args
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => Some(CampaignStatus::parse(&raw.to_lowercase()).ok_or_else(|| {
                ToolError::field(
                    "invalid_arguments",
                    "status",
                    "status: must be draft, active, paused or completed",
                )
            })?),
        };
        let who = &ctx.principal;
        let items = resolve::all(|p| app.list_campaigns(who, status, p)).await?;
        let names: Vec<String> = items
            .iter()
            .map(|c| format!("{} ({})", c.spec.name, c.status.as_str()))
            .collect();
        let summary = match items.len() {
            0 => "No campaigns.".to_owned(),
            n => format!("{n} campaign(s): {}", names.join(", ")),
        };
        Done::new(json!({"campaigns": items}), summary).map(|d| d.link("/campaigns".into()))
    })
}

fn search_lead_magnets<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: SearchLeadMagnetsArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        if revos_domain::triggers::words(&args.query).is_empty() {
            return Err(ToolError::field(
                "invalid_arguments",
                "query",
                "query: give at least one word to look for",
            ));
        }
        let found = app
            .search_lead_magnets(ctx.principal.tenant, &args.query, 10)
            .await?;
        let hits: Vec<serde_json::Value> = found
            .iter()
            .map(|m| {
                json!({
                    "id": m.id, "title": m.title, "url": m.url, "file_id": m.file_id,
                    "description": m.description, "tags": m.tags, "score": m.score,
                })
            })
            .collect();
        let titles: Vec<&str> = found.iter().map(|m| m.title.as_str()).collect();
        let summary = match hits.len() {
            0 => format!("No lead magnet matches {:?}.", args.query),
            n => format!("{n} lead magnet(s): {}", titles.join(", ")),
        };
        Done::new(json!({"lead_magnets": hits}), summary).map(|d| d.link("/lead-magnets".into()))
    })
}

fn create_lead_magnet<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: CreateLeadMagnetArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let new = revos_app::lead_magnets::NewLeadMagnet {
            title: args.title,
            description: args.description.unwrap_or_default(),
            tags: args.tags.unwrap_or_default(),
            url: Some(args.url),
            file_id: None,
            cartridge_id: None,
        };
        let m = app.create_lead_magnet(&ctx.principal, new).await?;
        let summary = format!("Added {:?} to the lead magnet library.", m.title);
        Done::new(json!({"lead_magnet": m}), summary).map(|d| d.link("/lead-magnets".into()))
    })
}

fn funnel_report<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: FunnelArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        if let Some(name) = args.campaign.as_deref().filter(|c| !c.trim().is_empty()) {
            let c = resolve::campaign(app, who, "campaign", name).await?;
            let f = app.campaign_funnel(who, c.id).await?;
            let summary = format!(
                "Funnel of {}: {} scraped, {} enriched, {} DMs sent, {} replied, {} opted out; ${:.2}",
                c.spec.name,
                f.counts.scraped,
                f.counts.enriched,
                f.counts.dm_sent,
                f.counts.replied,
                f.counts.opted_out,
                f.cost_usd
            );
            let l = link(&c);
            return Ok(Done::new(json!({"campaign": c.spec.name, "funnel": f}), summary)?.link(l));
        }
        let workspace = app.workspace_funnel(who).await?;
        let campaigns = resolve::all(|p| app.campaign_funnels(who, p)).await?;
        let rows: Vec<serde_json::Value> = campaigns
            .iter()
            .map(|c| json!({"campaign": c.name, "funnel": c.funnel}))
            .collect();
        let (total, cost) = (workspace.counts, workspace.cost_usd);
        let summary = format!(
            "Workspace funnel over {} campaign(s): {} scraped, {} DMs sent, {} replied; ${:.2}",
            workspace.campaigns, total.scraped, total.dm_sent, total.replied, cost
        );
        Done::new(
            json!({"total": total, "cost_usd": cost, "campaigns": rows}),
            summary,
        )
    })
}
