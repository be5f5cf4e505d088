//! Reading a stored transcript back as the conversation a model continues: messages that
//! cannot be replayed (an unanswered tool call left by a crash) are dropped so the model
//! server does not refuse the request.

use revos_app::conversations::ConversationMessage;
use revos_providers::llm::LlmMessage;
use std::collections::HashSet;

/// How many stored messages a run replays at most (older ones are left out).
const MAX_REPLAYED: usize = 60;

/// The replayable conversation in `rows`: system messages left out (each run writes its own),
/// assistant tool calls kept only when answered, tool answers only when asked for, and at most
/// the newest [`MAX_REPLAYED`] messages, starting at a user message.
pub(super) fn replayable(rows: &[ConversationMessage]) -> Vec<LlmMessage> {
    let messages: Vec<LlmMessage> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.message).ok())
        .collect();
    let answered: HashSet<String> = messages
        .iter()
        .filter_map(|m| match m {
            LlmMessage::Tool { tool_call_id, .. } => Some(tool_call_id.clone()),
            _ => None,
        })
        .collect();
    let mut asked = HashSet::new();
    let mut out = Vec::with_capacity(messages.len());
    for message in messages {
        match message {
            LlmMessage::System { .. } => {}
            LlmMessage::Assistant {
                content,
                tool_calls,
            } => {
                let tool_calls: Vec<_> = tool_calls
                    .into_iter()
                    .filter(|c| answered.contains(&c.id))
                    .collect();
                asked.extend(tool_calls.iter().map(|c| c.id.clone()));
                if content.is_some() || !tool_calls.is_empty() {
                    out.push(LlmMessage::Assistant {
                        content,
                        tool_calls,
                    });
                }
            }
            LlmMessage::Tool {
                ref tool_call_id, ..
            } => {
                if asked.contains(tool_call_id) {
                    out.push(message);
                }
            }
            user @ LlmMessage::User { .. } => out.push(user),
        }
    }
    if out.len() > MAX_REPLAYED {
        let cut = out.len() - MAX_REPLAYED;
        let start = out[cut..]
            .iter()
            .position(|m| matches!(m, LlmMessage::User { .. }))
            .map_or(out.len(), |p| cut + p);
        out.drain(..start);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use revos_providers::llm::ToolCall;

    fn row(seq: i64, m: &LlmMessage) -> ConversationMessage {
        ConversationMessage {
            seq,
            role: "x".into(),
            agent: None,
            message: serde_json::to_string(m).unwrap(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn unanswered_tool_calls_are_dropped() {
        let call = |id: &str| ToolCall {
            id: id.into(),
            name: "list_campaigns".into(),
            arguments: "{}".into(),
        };
        let rows = vec![
            row(
                1,
                &LlmMessage::User {
                    content: "hi".into(),
                },
            ),
            row(
                2,
                &LlmMessage::Assistant {
                    content: None,
                    tool_calls: vec![call("a"), call("b")],
                },
            ),
            row(
                3,
                &LlmMessage::Tool {
                    tool_call_id: "a".into(),
                    content: "{}".into(),
                },
            ),
            row(
                4,
                &LlmMessage::Assistant {
                    content: None,
                    tool_calls: vec![call("c")],
                },
            ),
            row(
                5,
                &LlmMessage::Tool {
                    tool_call_id: "zzz".into(),
                    content: "{}".into(),
                },
            ),
        ];
        let replay = replayable(&rows);
        assert_eq!(replay.len(), 3, "{replay:?}");
        assert_eq!(
            replay[1],
            LlmMessage::Assistant {
                content: None,
                tool_calls: vec![call("a")]
            }
        );
    }

    #[test]
    fn long_histories_start_at_a_user_message() {
        let mut rows = Vec::new();
        for i in 0..100 {
            rows.push(row(
                2 * i,
                &LlmMessage::User {
                    content: format!("q{i}"),
                },
            ));
            rows.push(row(
                2 * i + 1,
                &LlmMessage::Assistant {
                    content: Some("a".into()),
                    tool_calls: vec![],
                },
            ));
        }
        let replay = replayable(&rows);
        assert!(replay.len() <= MAX_REPLAYED);
        assert!(matches!(replay[0], LlmMessage::User { .. }));
        assert_eq!(
            replay.last(),
            Some(&LlmMessage::Assistant {
                content: Some("a".into()),
                tool_calls: vec![]
            })
        );
    }
}
