//! The three agents of the chat (Campaign Manager, Lead Enrichment, Content Generation): what
//! each is for, the tools each may use, and the router that picks one for a message by intent.
//! Pure: the runtime that talks to a model is [`crate::chat`].

use crate::tools::{
    ActivateCampaignArgs, AnalyticsQueryArgs, CampaignReportArgs, ContentPlanArgs,
    CreateCampaignArgs, DraftDmArgs, DraftPostArgs, EnrichLeadArgs, FunnelArgs, GenerateGuideArgs,
    GenerateImageArgs, ListCampaignsArgs, ListCartridgesArgs, ListLeadsArgs, LoadCartridgeArgs,
    PauseCampaignArgs, QueueDmArgs, RenderCardArgs, ResumeCampaignArgs, SearchKnowledgeArgs,
    SearchLeadMagnetsArgs, SubmitPostArgs, SwitchCartridgeArgs, Tool, UpdateCampaignStepsArgs,
};
use serde::{Deserialize, Serialize};

/// One of the agents a chat message can be handled by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AgentKind {
    /// Creates, pauses, resumes and reports on campaigns.
    CampaignManager,
    /// Finds, filters and enriches leads, and prepares their DMs.
    LeadEnrichment,
    /// Writes posts in the client's voice and submits them for approval.
    ContentGeneration,
}

impl AgentKind {
    /// Every agent, in routing-tie order.
    pub const ALL: [AgentKind; 3] = [
        AgentKind::CampaignManager,
        AgentKind::LeadEnrichment,
        AgentKind::ContentGeneration,
    ];

    /// The stable name used in the API and the transcript.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentKind::CampaignManager => "campaign_manager",
            AgentKind::LeadEnrichment => "lead_enrichment",
            AgentKind::ContentGeneration => "content_generation",
        }
    }

    /// The agent called `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The tools this agent may call. Cartridge-enabled external tools are added at run time.
    pub fn tools(self) -> &'static [&'static str] {
        match self {
            AgentKind::CampaignManager => &[
                CreateCampaignArgs::NAME,
                UpdateCampaignStepsArgs::NAME,
                ActivateCampaignArgs::NAME,
                PauseCampaignArgs::NAME,
                ResumeCampaignArgs::NAME,
                CampaignReportArgs::NAME,
                ListCampaignsArgs::NAME,
                FunnelArgs::NAME,
                AnalyticsQueryArgs::NAME,
                ContentPlanArgs::NAME,
                SearchKnowledgeArgs::NAME,
                SearchLeadMagnetsArgs::NAME,
                ListCartridgesArgs::NAME,
                LoadCartridgeArgs::NAME,
                SwitchCartridgeArgs::NAME,
            ],
            AgentKind::LeadEnrichment => &[
                ListLeadsArgs::NAME,
                EnrichLeadArgs::NAME,
                DraftDmArgs::NAME,
                QueueDmArgs::NAME,
                ListCampaignsArgs::NAME,
                FunnelArgs::NAME,
                SearchLeadMagnetsArgs::NAME,
                LoadCartridgeArgs::NAME,
                SwitchCartridgeArgs::NAME,
            ],
            AgentKind::ContentGeneration => &[
                DraftPostArgs::NAME,
                SubmitPostArgs::NAME,
                GenerateGuideArgs::NAME,
                GenerateImageArgs::NAME,
                RenderCardArgs::NAME,
                DraftDmArgs::NAME,
                SearchKnowledgeArgs::NAME,
                SearchLeadMagnetsArgs::NAME,
                ListCartridgesArgs::NAME,
                LoadCartridgeArgs::NAME,
                SwitchCartridgeArgs::NAME,
            ],
        }
    }

    /// The agent's standing instructions, placed after the cartridge's voice in the system prompt.
    pub fn instructions(self) -> String {
        match self {
            AgentKind::CampaignManager => {
                "You are the Campaign Manager of RevOS. You set up and run LinkedIn lead-magnet \
                 campaigns: create them with their trigger words and lead magnet, activate, pause \
                 and resume them, and report how they perform (funnel, reply rate, cost per \
                 lead). Use the tools for every fact; never invent numbers. Confirm what you \
                 changed in one or two sentences."
                    .to_owned()
            }
            AgentKind::LeadEnrichment => {
                "You are the Lead Enrichment agent of RevOS. You find and filter leads, enrich \
                 them (email, title, company), and prepare or queue their DMs. DMs are paced and \
                 sent exactly once by the system; never promise a send time. Use the tools for \
                 every fact and say plainly when a lead cannot be contacted."
                    .to_owned()
            }
            AgentKind::ContentGeneration => format!(
                "You are the Content Generation agent of RevOS. You write LinkedIn posts and DMs \
                 in the client's voice described above, following its examples and learned \
                 style. Save every post you write with {} (pass the full text as body), \
                 and submit it for approval only when asked. A person approves every post before \
                 it is published.",
                DraftPostArgs::NAME
            ),
        }
    }

    /// The first agent that has `tool`, for routing a command that names a tool directly.
    pub fn for_tool(tool: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|a| a.tools().contains(&tool))
            .unwrap_or(AgentKind::CampaignManager)
    }
}

/// Words that signal each agent's intent, with their weights.
const SIGNALS: [(AgentKind, &[(&str, u32)]); 3] = [
    (
        AgentKind::CampaignManager,
        &[
            ("campaign", 3),
            ("pause", 3),
            ("resume", 3),
            ("activate", 3),
            ("trigger", 2),
            ("funnel", 2),
            ("report", 2),
            ("magnet", 2),
            ("launch", 2),
            ("performance", 2),
            ("stats", 1),
            ("cost", 1),
        ],
    ),
    (
        AgentKind::LeadEnrichment,
        &[
            ("lead", 3),
            ("leads", 3),
            ("enrich", 4),
            ("email", 2),
            ("dm", 2),
            ("message", 1),
            ("replied", 2),
            ("commenter", 2),
            ("apollo", 3),
            ("title", 1),
            ("company", 1),
        ],
    ),
    (
        AgentKind::ContentGeneration,
        &[
            ("post", 3),
            ("write", 3),
            ("draft", 2),
            ("content", 3),
            ("hook", 2),
            ("carousel", 2),
            ("approval", 2),
            ("submit", 2),
            ("tone", 1),
            ("voice", 1),
        ],
    ),
];

/// Picks the agent for `message` by intent: each agent's signal words are counted (whole
/// words, case-insensitive) and the highest total wins; with no signal at all, or a tie, the
/// earlier agent in [`AgentKind::ALL`] wins. Deterministic, so routing is explainable.
pub fn route(message: &str) -> AgentKind {
    let words: Vec<String> = message
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut best = (AgentKind::CampaignManager, 0u32);
    for (agent, signals) in SIGNALS {
        let score: u32 = words
            .iter()
            .filter_map(|w| signals.iter().find(|(s, _)| s == w).map(|(_, n)| *n))
            .sum();
        if score > best.1 {
            best = (agent, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_intent() {
        assert_eq!(
            route("Create a campaign called Spring Guide with trigger GUIDE"),
            AgentKind::CampaignManager
        );
        assert_eq!(
            route("enrich the leads who commented yesterday"),
            AgentKind::LeadEnrichment
        );
        assert_eq!(
            route("Write a post about onboarding"),
            AgentKind::ContentGeneration
        );
        assert_eq!(route("hello"), AgentKind::CampaignManager);
        assert_eq!(route(""), AgentKind::CampaignManager);
    }

    #[test]
    fn names_round_trip_and_tools_have_an_owner() {
        for a in AgentKind::ALL {
            assert_eq!(AgentKind::parse(a.as_str()), Some(a));
            assert!(!a.tools().is_empty());
        }
        assert_eq!(
            AgentKind::for_tool("create_campaign"),
            AgentKind::CampaignManager
        );
        assert_eq!(
            AgentKind::for_tool("enrich_lead"),
            AgentKind::LeadEnrichment
        );
        assert_eq!(AgentKind::for_tool("list_leads"), AgentKind::LeadEnrichment);
        assert_eq!(
            AgentKind::for_tool("draft_post"),
            AgentKind::ContentGeneration
        );
        assert_eq!(
            AgentKind::for_tool("submit_post"),
            AgentKind::ContentGeneration
        );
    }

    #[test]
    fn every_tool_an_agent_names_is_registered() {
        let registry = crate::tools::ToolRegistry::standard();
        for a in AgentKind::ALL {
            for tool in a.tools() {
                assert!(registry.contains(tool), "{} names {tool}", a.as_str());
            }
        }
    }
}
