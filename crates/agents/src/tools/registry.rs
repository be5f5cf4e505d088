//! The set of tools an agent (or an MCP client) may call: each tool's spec as the model sees
//! it, and how to run it. Native tools parse their JSON arguments into a typed struct whose
//! JSON Schema the spec carries; tools of external MCP servers are called through their client.

use super::{Outcome, Tool, ToolContext, ToolEffect, ToolError, ToolResult};
use super::{campaign_tools, cartridge_tools, content_tools, guide_tools, lead_tools, post_tools};
use crate::mcp::external::RemoteTool;
use futures::future::BoxFuture;
use revos_app::App;
use revos_providers::llm::ToolSpec;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// Runs a native tool on raw JSON arguments.
type Handler = Arc<
    dyn for<'a> Fn(&'a App, &'a mut ToolContext, Value) -> BoxFuture<'a, ToolResult> + Send + Sync,
>;

/// A typed tool function.
pub(crate) type ToolFn<A> = for<'a> fn(&'a App, &'a mut ToolContext, A) -> BoxFuture<'a, Outcome>;

/// How a tool runs.
#[derive(Clone)]
enum Runner {
    /// A RevOS tool over the use cases.
    Native(Handler),
    /// A tool of an external MCP server.
    Remote(Arc<RemoteTool>),
}

/// One tool: what the model sees, what it does, and how it runs.
#[derive(Clone)]
struct Entry {
    spec: ToolSpec,
    effect: ToolEffect,
    runner: Runner,
}

/// The tools an agent may call. Cheap to clone; `only` narrows it to an agent's tool set.
#[derive(Clone)]
pub struct ToolRegistry {
    entries: Vec<Arc<Entry>>,
}

/// The JSON Schema of `A`'s arguments object, with subschemas inlined (small local models
/// handle `$ref` poorly) and without the `$schema`/`title` keys function specs do not use.
fn schema_of<A: JsonSchema>() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
    });
    let mut schema = settings.into_generator().into_root_schema_for::<A>();
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
        obj.entry("properties")
            .or_insert_with(|| Value::Object(Default::default()));
    }
    schema.to_value()
}

/// Parses a tool's arguments, naming the argument at fault.
fn parse_arguments<A: DeserializeOwned>(value: Value) -> Result<A, ToolError> {
    serde_path_to_error::deserialize::<_, A>(value).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        // serde names a missing or unknown field in its message, not in the path.
        let named = inner
            .split('`')
            .nth(1)
            .filter(|_| inner.contains("field `"))
            .map(str::to_owned);
        let field = match (path.as_str(), named) {
            (".", Some(f)) => f,
            (".", None) => "arguments".to_owned(),
            (p, Some(f)) if inner.starts_with("missing field") => format!("{p}.{f}"),
            (p, _) => p.to_owned(),
        };
        ToolError::field("invalid_arguments", &field, format!("{field}: {inner}"))
    })
}

impl ToolRegistry {
    /// Every RevOS tool.
    pub fn standard() -> Self {
        let mut r = Self {
            entries: Vec::new(),
        };
        campaign_tools::register(&mut r);
        lead_tools::register(&mut r);
        cartridge_tools::register(&mut r);
        post_tools::register(&mut r);
        guide_tools::register(&mut r);
        content_tools::register(&mut r);
        r
    }

    /// Adds the native tool `A` names: `run` gets its arguments parsed into `A`, whose JSON Schema (doc
    /// comments as descriptions) the model sees; `effect` says whether it writes and whether
    /// its result carries text from outside the workspace.
    pub(crate) fn add<A>(&mut self, effect: ToolEffect, description: &'static str, run: ToolFn<A>)
    where
        A: Tool + DeserializeOwned + JsonSchema + Send + 'static,
    {
        let handler: Handler = Arc::new(move |app, ctx, value| {
            Box::pin(async move {
                let args = match parse_arguments::<A>(value) {
                    Ok(a) => a,
                    Err(e) => return ToolResult::failure(e),
                };
                match run(app, ctx, args).await {
                    Ok(done) => ToolResult {
                        ok: true,
                        value: done.value,
                        summary: done.summary,
                        link: done.link,
                    },
                    Err(e) => ToolResult::failure(e),
                }
            })
        });
        self.push(
            ToolSpec {
                name: A::NAME.to_owned(),
                description: description.to_owned(),
                parameters: schema_of::<A>(),
            },
            effect,
            Runner::Native(handler),
        );
    }

    /// Adds a tool of an external MCP server, under its registry name. What it does is not
    /// known, so it counts as writing and as returning text from outside the workspace.
    pub(crate) fn add_remote(&mut self, spec: ToolSpec, tool: RemoteTool) {
        self.push(
            spec,
            ToolEffect::WRITE_UNTRUSTED,
            Runner::Remote(Arc::new(tool)),
        );
    }

    fn push(&mut self, spec: ToolSpec, effect: ToolEffect, runner: Runner) {
        self.entries.retain(|e| e.spec.name != spec.name);
        self.entries.push(Arc::new(Entry {
            spec,
            effect,
            runner,
        }));
    }

    /// The same registry limited to the tools named (unknown names are ignored).
    pub fn only(&self, names: &[&str]) -> Self {
        Self {
            entries: self
                .entries
                .iter()
                .filter(|e| names.contains(&e.spec.name.as_str()))
                .cloned()
                .collect(),
        }
    }

    /// The tools as the model sees them, in registration order.
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.entries.iter().map(|e| e.spec.clone()).collect()
    }

    /// What the tool of this name does; `None` for an unknown name.
    pub fn effect(&self, name: &str) -> Option<ToolEffect> {
        self.entries
            .iter()
            .find(|e| e.spec.name == name)
            .map(|e| e.effect)
    }

    /// Whether a tool of this name is in the registry.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.spec.name == name)
    }

    /// Runs a tool with its arguments as the model wrote them (a JSON object; empty text
    /// means no arguments). Every failure, including an unknown tool and invalid JSON, comes
    /// back as a result with `ok == false`.
    pub async fn call(
        &self,
        app: &App,
        ctx: &mut ToolContext,
        name: &str,
        arguments: &str,
    ) -> ToolResult {
        let Some(entry) = self.entries.iter().find(|e| e.spec.name == name) else {
            let known: Vec<&str> = self.entries.iter().map(|e| e.spec.name.as_str()).collect();
            return ToolResult::failure(ToolError {
                code: "unknown_tool",
                message: format!(
                    "no tool named {name:?}; the tools are: {}",
                    known.join(", ")
                ),
                field: None,
            });
        };
        let value = if arguments.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            match serde_json::from_str::<Value>(arguments) {
                Ok(v @ Value::Object(_)) => v,
                Ok(_) => {
                    return ToolResult::failure(ToolError::field(
                        "invalid_arguments",
                        "arguments",
                        "the arguments must be a JSON object",
                    ));
                }
                Err(e) => {
                    return ToolResult::failure(ToolError::field(
                        "invalid_arguments",
                        "arguments",
                        format!("the arguments are not valid JSON: {e}"),
                    ));
                }
            }
        };
        match &entry.runner {
            Runner::Native(handler) => handler(app, ctx, value).await,
            Runner::Remote(tool) => tool.call(value).await,
        }
    }
}
