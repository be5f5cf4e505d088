//! The agent loop: ask the model, run the tools it calls, hand every result (or error) back,
//! and repeat until it answers, reaches its step limit, or is cancelled. Each message is
//! persisted to the transcript as it happens, so a crash or a cancel leaves a readable record.

use super::events::{ChatEvent, StopReason};
use super::run::Run;
use futures::StreamExt;
use revos_app::AppError;
use revos_app::llm::LanguageModel;
use revos_providers::llm::{ChatOutcome, ChatRequest, LlmMessage, StreamEvent, ToolCall, Usage};
use revos_providers::{ProviderError, ProviderErrorKind};

/// How far one run may go.
#[derive(Clone, Copy, Debug)]
pub struct RunLimits {
    /// Model calls per user message.
    pub max_steps: u32,
}

impl Default for RunLimits {
    fn default() -> Self {
        Self { max_steps: 8 }
    }
}

/// Runs the model-driven loop over `messages` (system prompt, history and the new user
/// message). Returns how it stopped and how many model steps it took.
pub(crate) async fn run_online(
    run: &mut Run<'_>,
    model: &LanguageModel,
    mut messages: Vec<LlmMessage>,
    limits: RunLimits,
    stream: bool,
) -> (StopReason, u32) {
    for step in 1..=limits.max_steps {
        let request = ChatRequest {
            model: None,
            messages: messages.clone(),
            tools: run.registry.specs(),
            temperature: None,
            max_tokens: None,
        };
        let outcome = tokio::select! {
            outcome = call_model(run, model, &request, stream) => outcome,
            () = run.cancel.cancelled() => return (StopReason::Cancelled, step - 1),
        };
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(err) => {
                run.emit(failure_event(err)).await;
                return (StopReason::Failed, step);
            }
        };
        let usage = outcome
            .usage
            .unwrap_or_else(|| estimate_usage(&request, &outcome));
        run.record_usage(&outcome.model, usage).await;

        let reply = LlmMessage::Assistant {
            content: outcome.content.clone().filter(|c| !c.is_empty()),
            tool_calls: outcome.tool_calls.clone(),
        };
        run.persist(&reply).await;
        messages.push(reply);
        if outcome.tool_calls.is_empty() {
            return (StopReason::Completed, step);
        }
        for (i, call) in outcome.tool_calls.iter().enumerate() {
            if run.cancel.is_cancelled() {
                // Keep the transcript well-formed: every call gets an answer.
                for skipped in &outcome.tool_calls[i..] {
                    run.persist(&LlmMessage::Tool {
                        tool_call_id: skipped.id.clone(),
                        content:
                            r#"{"error":{"code":"cancelled","message":"the run was cancelled"}}"#
                                .into(),
                    })
                    .await;
                }
                return (StopReason::Cancelled, step);
            }
            let answer = run.call_tool(call).await;
            messages.push(answer);
        }
    }
    (StopReason::StepLimit, limits.max_steps)
}

/// The `error` event of a failed model call: the budget's own message, or the provider's
/// class and status (never the text its server answered, which is only logged).
fn failure_event(err: AppError) -> ChatEvent {
    let (code, message) = match &err {
        AppError::LlmBudgetExceeded { .. } => ("llm_budget_exceeded", err.to_string()),
        AppError::Provider(e) => {
            tracing::warn!(error = %e, "a model call of a chat run failed");
            (
                e.class().as_str(),
                format!("the model call failed: {}", e.public_message()),
            )
        }
        other => {
            tracing::error!(error = %other, "a model call of a chat run failed");
            (
                "model_failed",
                "the model call failed; see the server log".into(),
            )
        }
    };
    ChatEvent::Error {
        code: code.into(),
        message,
    }
}

/// One model call, streamed (text forwarded as it arrives) or not, once the workspace's
/// budget allows it.
async fn call_model(
    run: &Run<'_>,
    model: &LanguageModel,
    request: &ChatRequest,
    stream: bool,
) -> Result<ChatOutcome, AppError> {
    run.app
        .check_llm_budget(run.ctx.principal.tenant, model)
        .await?;
    Ok(call_client(run, &model.client, request, stream).await?)
}

/// One call of `client`.
async fn call_client(
    run: &Run<'_>,
    client: &revos_providers::llm::OpenAiClient,
    request: &ChatRequest,
    stream: bool,
) -> Result<ChatOutcome, ProviderError> {
    if !stream {
        let outcome = client.chat(request).await?;
        if let Some(text) = outcome.content.as_ref().filter(|t| !t.is_empty()) {
            run.emit(ChatEvent::Text {
                delta: text.clone(),
            })
            .await;
        }
        return Ok(outcome);
    }
    let mut events = client.chat_stream(request).await?;
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::TextDelta(delta) => run.emit(ChatEvent::Text { delta }).await,
            StreamEvent::ToolCallStarted { .. } => {}
            StreamEvent::Done(outcome) => return Ok(outcome),
        }
    }
    Err(ProviderError::new(
        "openai",
        ProviderErrorKind::Transient,
        "the stream ended before the completion was done",
    ))
}

/// Tokens by the usual four-characters-per-token rule, for servers that report no usage, so
/// every call still has a recorded cost.
fn estimate_usage(request: &ChatRequest, outcome: &ChatOutcome) -> Usage {
    let prompt: usize = request
        .messages
        .iter()
        .map(|m| serde_json::to_string(m).map(|s| s.len()).unwrap_or(0))
        .sum();
    let completion = outcome.content.as_deref().map_or(0, str::len)
        + outcome
            .tool_calls
            .iter()
            .map(|c| c.name.len() + c.arguments.len())
            .sum::<usize>();
    Usage {
        prompt_tokens: u32::try_from(prompt.div_ceil(4)).unwrap_or(u32::MAX),
        completion_tokens: u32::try_from(completion.div_ceil(4)).unwrap_or(u32::MAX),
    }
}

/// The offline path: the command grammar picks the tool, the tool runs, and the answer is its
/// summary. The transcript gets the same shape as a model's tool call.
pub(crate) async fn run_offline(run: &mut Run<'_>, text: &str) -> StopReason {
    use crate::commands::{Parsed, help_text, parse_command};
    let reply = match parse_command(text, run.app.now()) {
        Parsed::Tool { name, arguments } => {
            let call = ToolCall {
                id: format!("cmd_{}", uuid::Uuid::now_v7().simple()),
                name: name.to_owned(),
                arguments: arguments.to_string(),
            };
            run.persist(&LlmMessage::Assistant {
                content: None,
                tool_calls: vec![call.clone()],
            })
            .await;
            run.call_tool(&call).await;
            offline_reply(run.last_result.as_ref())
        }
        Parsed::Help => help_text(),
        Parsed::Unknown { hint } => format!("{hint}\n\n{}", help_text()),
    };
    run.emit(ChatEvent::Text {
        delta: reply.clone(),
    })
    .await;
    run.persist(&LlmMessage::Assistant {
        content: Some(reply),
        tool_calls: vec![],
    })
    .await;
    if run.cancel.is_cancelled() {
        StopReason::Cancelled
    } else {
        StopReason::Completed
    }
}

/// The text of an offline answer: the tool's one-line summary as a sentence, or what stopped
/// it; never the raw result, which the card beside the answer links to.
fn offline_reply(result: Option<&crate::tools::ToolResult>) -> String {
    let text = match result {
        None => "Done.".to_owned(),
        Some(r) if r.ok => sentence(&r.summary),
        Some(r) => {
            let message = r.value["error"]["message"]
                .as_str()
                .unwrap_or(r.summary.as_str());
            sentence(&format!("I could not do that: {message}"))
        }
    };
    format!("{text} (offline mode)")
}

/// `text` ending as a sentence.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?', '…']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::offline_reply;
    use crate::tools::ToolResult;
    use serde_json::json;

    #[test]
    fn offline_answers_are_sentences_without_json() {
        let ok = ToolResult {
            ok: true,
            value: json!({"campaign": {"id": "x", "name": "Spring Guide"}}),
            summary: "Campaign activated: Spring Guide".into(),
            link: Some("/campaigns/x".into()),
        };
        assert_eq!(
            offline_reply(Some(&ok)),
            "Campaign activated: Spring Guide. (offline mode)"
        );
        let failed = ToolResult {
            ok: false,
            value: json!({"error": {"code": "invalid_arguments", "message": "watched_posts: add a post to watch"}}),
            summary: "Failed: watched_posts: add a post to watch".into(),
            link: None,
        };
        let text = offline_reply(Some(&failed));
        assert_eq!(
            text,
            "I could not do that: watched_posts: add a post to watch. (offline mode)"
        );
        assert!(!text.contains('{'));
        assert_eq!(offline_reply(None), "Done. (offline mode)");
    }
}
