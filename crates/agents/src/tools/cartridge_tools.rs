//! Cartridge tools: list the workspace's clients, show one, and switch the session to one (the
//! client whose voice later tools use by default).

use super::registry::ToolRegistry;
use super::resolve;
use super::{Done, Outcome, ToolContext};
use super::{ToolEffect, tool_name};
use futures::future::BoxFuture;
use revos_app::App;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

tool_name!(ListCartridgesArgs, "list_cartridges");
tool_name!(LoadCartridgeArgs, "load_cartridge");
tool_name!(SwitchCartridgeArgs, "switch_cartridge");

pub(super) fn register(r: &mut ToolRegistry) {
    r.add(
        ToolEffect::READ,
        "List the workspace's cartridges (clients), marking the session's selected one.",
        list_cartridges,
    );
    r.add(
        ToolEffect::READ,
        "Show one cartridge: persona, writing style, industry knowledge, examples and the \
         system prompt generated from them.",
        load_cartridge,
    );
    r.add(
        ToolEffect::WRITE,
        "Select the cartridge (client) this session works for; later tools default to it.",
        switch_cartridge,
    );
}

/// Takes no arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCartridgesArgs {}

/// Names one cartridge.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadCartridgeArgs {
    /// The cartridge's name (any case) or id.
    pub cartridge: String,
}

/// Names one cartridge.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchCartridgeArgs {
    /// The cartridge's name (any case) or id.
    pub cartridge: String,
}

fn list_cartridges<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    _args: ListCartridgesArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let items = resolve::all(|p| app.list_cartridges(&ctx.principal, p)).await?;
        let rows: Vec<serde_json::Value> = items
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "name": c.spec.name, "version": c.version,
                    "role": c.spec.persona.role, "niche": c.spec.industry_knowledge.niche,
                    "selected": ctx.cartridge == Some(c.id),
                })
            })
            .collect();
        let names: Vec<&str> = items.iter().map(|c| c.spec.name.as_str()).collect();
        let summary = match items.len() {
            0 => "No cartridges yet.".to_owned(),
            n => format!("{n} cartridge(s): {}", names.join(", ")),
        };
        Done::new(json!({"cartridges": rows}), summary).map(|d| d.link("/cartridges".into()))
    })
}

fn load_cartridge<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: LoadCartridgeArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let c = resolve::cartridge(app, &ctx.principal, "cartridge", &args.cartridge).await?;
        let summary = format!(
            "Cartridge {}: {} for {}",
            c.spec.name, c.spec.persona.role, c.spec.persona.target_audience
        );
        let l = format!("/cartridges/{}", c.id);
        Ok(Done::new(&c, summary)?.link(l))
    })
}

fn switch_cartridge<'a>(
    app: &'a App,
    ctx: &'a mut ToolContext,
    args: SwitchCartridgeArgs,
) -> BoxFuture<'a, Outcome> {
    Box::pin(async move {
        let c = resolve::cartridge(app, &ctx.principal, "cartridge", &args.cartridge).await?;
        ctx.cartridge = Some(c.id);
        let summary = format!("Switched to {}", c.spec.name);
        let l = format!("/cartridges/{}", c.id);
        Ok(Done::new(json!({"id": c.id, "name": c.spec.name}), summary)?.link(l))
    })
}
