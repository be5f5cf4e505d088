//! The guide tool: the Content Generation agent writes a lead magnet (a guide or checklist)
//! about a topic in the selected client's voice, saved as a draft on the guides page. A person
//! approves it there, which renders the PDF.

use super::registry::ToolRegistry;
use super::resolve;
use super::{Done, Outcome, ToolContext, ToolError};
use super::{SwitchCartridgeArgs, Tool, ToolEffect, tool_name};
use futures::future::BoxFuture;
use revos_app::App;
use revos_app::llm::LlmMode;
use revos_domain::guides::GuideKind;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

tool_name!(GenerateGuideArgs, "generate_guide");

pub(super) fn register(r: &mut ToolRegistry) {
    r.add(
        ToolEffect::WRITE,
        "Write a lead magnet (a guide, or a checklist) about `topic` in the selected client's \
         voice as Markdown and save it as a draft. A person edits and approves it on the guides \
         page, which renders it to a PDF in the client's brand.",
        generate_guide,
    );
}

/// What to write.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateGuideArgs {
    /// The subject, e.g. "running your first 1:1s".
    pub topic: String,
    /// `guide` (default) or `checklist`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The client (cartridge) by name or id; default: the session's selected client.
    #[serde(default)]
    pub client: Option<String>,
}

fn generate_guide<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: GenerateGuideArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let who = &ctx.principal;
        let cartridge = match (&args.client, ctx.cartridge) {
            (Some(name), _) => resolve::cartridge_id(app, who, "client", name).await?,
            (None, Some(id)) => id,
            (None, None) => {
                return Err(ToolError::field(
                    "invalid_arguments",
                    "client",
                    format!(
                        "no client is selected: name one, or {} first",
                        SwitchCartridgeArgs::NAME
                    ),
                ));
            }
        };
        let kind = match args.kind.as_deref().map(str::trim) {
            None | Some("") => GuideKind::Guide,
            Some(raw) => raw.parse::<GuideKind>().map_err(|_| {
                ToolError::field("invalid_arguments", "kind", "must be guide or checklist")
            })?,
        };
        let written = app.create_guide(who, cartridge, &args.topic, kind).await?;
        let by = match written.mode {
            LlmMode::Online => "model",
            LlmMode::Offline => "offline writer",
        };
        let guide = written.guide;
        let summary = format!("{} draft saved ({by}): {}", guide.kind, guide.title);
        Ok(Done::new(
            json!({"guide_id": guide.id, "status": guide.status, "title": guide.title,
                   "kind": guide.kind, "markdown": guide.markdown, "written_by": by}),
            summary,
        )?
        .link(format!("/guides#guide-{}", guide.id)))
    })
}
