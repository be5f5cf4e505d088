//! The OpenAI-compatible client against the fake OpenAI server: tool calls whole and
//! streamed, retries, error classification, timeouts, request shape and embeddings.

use futures::StreamExt;
use revos_providers::fakes::Fault;
use revos_providers::fakes::openai::{EMBEDDING_DIMENSION, FakeOpenAi};
use revos_providers::llm::{
    ChatOutcome, ChatRequest, FinishReason, LlmConfig, LlmMessage, OpenAiClient, StreamEvent,
    ToolCall, ToolSpec,
};
use revos_providers::{ProviderError, ProviderErrorKind};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn config(fake: &FakeOpenAi) -> LlmConfig {
    LlmConfig {
        base_url: fake.url().to_owned(),
        api_key: None,
        model: "gpt-4o-mini".into(),
        embedding_model: "text-embedding-3-small".into(),
        timeout: Duration::from_secs(5),
        max_retries: 2,
        outbound: None,
    }
}

fn client(fake: &FakeOpenAi) -> OpenAiClient {
    OpenAiClient::new(config(fake)).unwrap()
}

fn create_campaign_tool() -> ToolSpec {
    ToolSpec {
        name: "create_campaign".into(),
        description: "Create a campaign that watches a post for a trigger word.".into(),
        parameters: json!({
            "type": "object",
            "properties": {"name": {"type": "string"}, "trigger": {"type": "string"}},
            "required": ["name", "trigger"]
        }),
    }
}

fn request(text: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![
            LlmMessage::System {
                content: "You manage campaigns.".into(),
            },
            LlmMessage::User {
                content: text.into(),
            },
        ],
        tools: vec![create_campaign_tool()],
        ..ChatRequest::default()
    }
}

/// Collects a stream's events, failing the test on an error item.
async fn events(client: &OpenAiClient, req: &ChatRequest) -> Vec<StreamEvent> {
    client
        .chat_stream(req)
        .await
        .unwrap()
        .map(|e| e.unwrap())
        .collect()
        .await
}

fn done(events: &[StreamEvent]) -> &ChatOutcome {
    let (last, rest) = events.split_last().expect("events");
    assert!(
        !rest.iter().any(|e| matches!(e, StreamEvent::Done(_))),
        "exactly one Done"
    );
    match last {
        StreamEvent::Done(outcome) => outcome,
        other => panic!("the last event is {other:?}, not Done"),
    }
}

fn text_of(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::TextDelta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// The fake's usage formula: a quarter of the characters, rounded up.
fn quarter(chars: usize) -> u32 {
    chars.div_ceil(4) as u32
}

fn prompt_tokens_of(body: &Value) -> u32 {
    quarter(
        json!([body["messages"], body["tools"]])
            .to_string()
            .chars()
            .count(),
    )
}

#[tokio::test]
async fn a_tool_call_comes_back_with_its_name_arguments_and_usage() {
    let fake = FakeOpenAi::start().await;
    let args = json!({"name": "Spring Guide", "trigger": "GUIDE"});
    fake.push_tool_calls(vec![("create_campaign", args.clone())]);
    let outcome = client(&fake)
        .chat(&request("Create the Spring Guide campaign"))
        .await
        .unwrap();
    assert_eq!(outcome.model, "gpt-4o-mini");
    assert_eq!(outcome.finish_reason, FinishReason::ToolCalls);
    assert_eq!(outcome.content, None);
    let [call] = outcome.tool_calls.as_slice() else {
        panic!("one call expected: {:?}", outcome.tool_calls)
    };
    assert_eq!(call.name, "create_campaign");
    assert!(call.id.starts_with("call_"));
    assert_eq!(
        serde_json::from_str::<Value>(&call.arguments).unwrap(),
        args
    );
    let usage = outcome.usage.expect("usage");
    let sent = &fake.requests()[0];
    assert_eq!(usage.prompt_tokens, prompt_tokens_of(sent));
    assert_eq!(
        usage.completion_tokens,
        quarter("create_campaign".len() + args.to_string().len())
    );
}

#[tokio::test]
async fn streaming_the_same_script_gives_deltas_and_the_same_outcome() {
    let fake = FakeOpenAi::start().await;
    let client = client(&fake);
    let text = "Hello Ana, the Spring Guide campaign is live — 3 leads so far.";
    let args =
        json!({"name": "Spring Guide", "trigger": "GUIDE", "notes": "a longer value to fragment"});
    for _ in 0..2 {
        fake.push_text(text);
    }
    for _ in 0..2 {
        fake.push_tool_calls(vec![
            ("create_campaign", args.clone()),
            ("pause_campaign", json!({"name": "Winter"})),
        ]);
    }

    let req = request("How is it going?");
    let whole = client.chat(&req).await.unwrap();
    let streamed = events(&client, &req).await;
    let deltas = streamed
        .iter()
        .filter(|e| matches!(e, StreamEvent::TextDelta(_)))
        .count();
    assert!(deltas > 3, "the text came in {deltas} pieces");
    assert_eq!(text_of(&streamed), text);
    assert_eq!(done(&streamed), &whole);
    assert_eq!(whole.content.as_deref(), Some(text));
    assert_eq!(whole.finish_reason, FinishReason::Stop);

    let whole = client.chat(&req).await.unwrap();
    let streamed = events(&client, &req).await;
    let started: Vec<_> = streamed
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ToolCallStarted { id, name } => Some((id.clone(), name.clone())),
            _ => None,
        })
        .collect();
    let expected: Vec<_> = whole
        .tool_calls
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    assert_eq!(started, expected);
    assert_eq!(expected.len(), 2);
    assert_eq!(done(&streamed), &whole);
    assert!(
        done(&streamed)
            .usage
            .is_some_and(|u| u.completion_tokens > 0)
    );

    // The streamed requests asked for the usage chunk.
    let sent = fake.requests();
    assert_eq!(sent[1]["stream"], json!(true));
    assert_eq!(sent[1]["stream_options"], json!({"include_usage": true}));
    assert_eq!(sent[0]["stream"], json!(false));
    assert!(sent[0].get("stream_options").is_none());
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_as_retry_after_says() {
    let fake = FakeOpenAi::start().await;
    fake.push_text("ok");
    fake.inject([Fault::RateLimited {
        retry_after_secs: 1,
    }]);
    let started = Instant::now();
    let outcome = client(&fake).chat(&request("hi")).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(outcome.content.as_deref(), Some("ok"));
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(fake.script_left(), 0);
}

#[tokio::test]
async fn a_rate_limit_beyond_the_retries_keeps_its_wait() {
    let fake = FakeOpenAi::start().await;
    fake.push_text("ok");
    fake.inject([Fault::RateLimited {
        retry_after_secs: 7,
    }]);
    let client = OpenAiClient::new(LlmConfig {
        max_retries: 0,
        ..config(&fake)
    })
    .unwrap();
    let e = client.chat(&request("hi")).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::RateLimited);
    assert_eq!(e.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(e.provider_type.as_deref(), Some("rate_limit_exceeded"));
    assert_eq!((e.provider, e.status), ("openai", Some(429)));
}

#[tokio::test]
async fn server_errors_are_retried() {
    let fake = FakeOpenAi::start().await;
    fake.push_text("ok");
    fake.push_text("streamed ok");
    fake.inject([Fault::ServerError, Fault::ServerError]);
    let client = client(&fake);
    assert_eq!(
        client
            .chat(&request("hi"))
            .await
            .unwrap()
            .content
            .as_deref(),
        Some("ok")
    );
    assert_eq!(fake.requests().len(), 3);
    // Before a stream starts, too.
    fake.inject([Fault::ServerError]);
    assert_eq!(
        text_of(&events(&client, &request("hi")).await),
        "streamed ok"
    );
    assert_eq!(fake.requests().len(), 5);
}

#[tokio::test]
async fn a_wrong_key_is_permanent_and_not_retried() {
    let fake = FakeOpenAi::start().await;
    fake.require_api_key("sk-right");
    fake.push_text("ok");
    let wrong = OpenAiClient::new(LlmConfig {
        api_key: Some("sk-wrong".to_owned().into()),
        ..config(&fake)
    })
    .unwrap();
    let e = wrong.chat(&request("hi")).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Permanent);
    assert_eq!(e.status, Some(401));
    assert_eq!(e.provider_type.as_deref(), Some("invalid_api_key"));
    let e = match wrong.chat_stream(&request("hi")).await {
        Err(e) => e,
        Ok(_) => panic!("a stream with a wrong key"),
    };
    assert_eq!(
        (e.kind, e.status),
        (ProviderErrorKind::Permanent, Some(401))
    );
    assert_eq!(fake.requests().len(), 2, "no retries");
    // No key at all is refused the same way; the right one works.
    assert!(client(&fake).chat(&request("hi")).await.is_err());
    let right = OpenAiClient::new(LlmConfig {
        api_key: Some("sk-right".to_owned().into()),
        ..config(&fake)
    })
    .unwrap();
    assert!(right.chat(&request("hi")).await.is_ok());
}

#[tokio::test]
async fn exhausted_quota_is_permanent() {
    let fake = FakeOpenAi::start().await;
    fake.push_text("ok");
    fake.inject([Fault::Status(429)]);
    let e = client(&fake).chat(&request("hi")).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Permanent);
    assert_eq!(e.provider_type.as_deref(), Some("insufficient_quota"));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_malformed_answer_is_a_transient_error() {
    let fake = FakeOpenAi::start().await;
    fake.push_text("ok");
    fake.inject([Fault::Malformed, Fault::Malformed]);
    let client = client(&fake);
    let e = client.chat(&request("hi")).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Transient);
    assert!(e.message.contains("unreadable"), "{e}");
    // Streamed: the stream yields one error and no Done.
    let items: Vec<Result<StreamEvent, ProviderError>> = client
        .chat_stream(&request("hi"))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].as_ref().is_err_and(ProviderError::is_transient));
}

#[tokio::test]
async fn a_stalled_server_times_out() {
    let fake = FakeOpenAi::start().await;
    fake.push_text("too late");
    fake.inject([Fault::Stall(3_000)]);
    let client = OpenAiClient::new(LlmConfig {
        timeout: Duration::from_millis(300),
        ..config(&fake)
    })
    .unwrap();
    let started = Instant::now();
    let e = client.chat(&request("hi")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(2_000));
    assert_eq!(e.kind, ProviderErrorKind::Transient);
    assert!(e.message.contains("timeout"), "{e}");
    assert_eq!(fake.requests().len(), 1, "a timeout is not retried");
}

#[tokio::test]
async fn invalid_json_arguments_are_passed_through_raw() {
    let fake = FakeOpenAi::start().await;
    let raw = "{\"name\": \"Spring Guide\", trigger: GUIDE";
    fake.push_raw_tool_call("create_campaign", raw);
    fake.push_raw_tool_call("create_campaign", raw);
    let client = client(&fake);
    let whole = client.chat(&request("go")).await.unwrap();
    assert_eq!(whole.tool_calls[0].arguments, raw);
    let streamed = events(&client, &request("go")).await;
    assert_eq!(done(&streamed).tool_calls[0].arguments, raw);
}

#[tokio::test]
async fn the_request_carries_the_model_tools_and_tool_results() {
    let fake = FakeOpenAi::start().await;
    fake.push_text("Created.");
    let call = ToolCall {
        id: "call_1".into(),
        name: "create_campaign".into(),
        arguments: "{\"name\":\"Spring Guide\"}".into(),
    };
    let mut req = request("Create Spring Guide");
    req.model = Some("gpt-4.1-mini".into());
    req.temperature = Some(0.2);
    req.messages.push(LlmMessage::Assistant {
        content: None,
        tool_calls: vec![call],
    });
    req.messages.push(LlmMessage::Tool {
        tool_call_id: "call_1".into(),
        content: "{\"campaign_id\":\"c-9\"}".into(),
    });
    let outcome = client(&fake).chat(&req).await.unwrap();
    assert_eq!(outcome.model, "gpt-4.1-mini");
    let sent = &fake.requests()[0];
    assert_eq!(sent["model"], "gpt-4.1-mini");
    assert_eq!(
        sent["temperature"].as_f64().map(|t| (t * 10.0).round()),
        Some(2.0)
    );
    assert_eq!(
        sent["tools"],
        json!([{"type": "function", "function": {
            "name": "create_campaign",
            "description": "Create a campaign that watches a post for a trigger word.",
            "parameters": create_campaign_tool().parameters
        }}])
    );
    assert_eq!(
        sent["messages"][2],
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "create_campaign", "arguments": "{\"name\":\"Spring Guide\"}"}}]})
    );
    assert_eq!(
        sent["messages"][3],
        json!({"role": "tool", "tool_call_id": "call_1", "content": "{\"campaign_id\":\"c-9\"}"})
    );
    assert_eq!(
        sent["messages"][1],
        json!({"role": "user", "content": "Create Spring Guide"})
    );
}

#[tokio::test]
async fn embeddings_come_back_one_per_input_in_order() {
    let fake = FakeOpenAi::start().await;
    let client = client(&fake);
    let inputs: Vec<String> = ["Hiring checklist", "Onboarding guide", "Hiring checklist"]
        .map(String::from)
        .to_vec();
    let e = client.embed(&inputs).await.unwrap();
    assert_eq!(e.model, "text-embedding-3-small");
    assert_eq!(e.vectors.len(), 3);
    for (vector, input) in e.vectors.iter().zip(&inputs) {
        assert_eq!(vector.len(), EMBEDDING_DIMENSION);
        assert_eq!(vector, &FakeOpenAi::embedding_for(input));
        let norm: f32 = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
    }
    assert_eq!(e.vectors[0], e.vectors[2]);
    assert_ne!(e.vectors[0], e.vectors[1]);
    assert_eq!(e.usage.prompt_tokens, quarter(16 + 16 + 16));
    assert_eq!(fake.requests()[0]["input"], json!(inputs));
    // Nothing to embed asks nothing.
    assert!(client.embed(&[]).await.unwrap().vectors.is_empty());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn answers_without_openai_envelope_fields_still_parse() {
    let fake = FakeOpenAi::start().await;
    fake.minimal_answers();
    let client = client(&fake);
    fake.push_tool_calls(vec![("create_campaign", json!({"name": "X"}))]);
    fake.push_text("plain answer");
    let whole = client.chat(&request("go")).await.unwrap();
    assert_eq!(whole.tool_calls[0].name, "create_campaign");
    let streamed = events(&client, &request("go")).await;
    assert_eq!(text_of(&streamed), "plain answer");
    assert_eq!(done(&streamed).content.as_deref(), Some("plain answer"));
    let e = client.embed(&["a".to_owned()]).await.unwrap();
    assert_eq!(e.vectors.len(), 1);
    // The fake did leave them out.
    fake.push_text("raw");
    let raw: Value = reqwest::Client::new()
        .post(format!("{}/chat/completions", fake.url()))
        .json(&json!({"model": "m", "messages": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["choices"][0]["message"]["content"], "raw");
    for field in ["id", "object", "created", "system_fingerprint"] {
        assert!(raw.get(field).is_none(), "{field} in {raw}");
    }
}

#[tokio::test]
async fn an_empty_script_is_an_error_tests_notice() {
    let fake = FakeOpenAi::start().await;
    let e = client(&fake).chat(&request("hi")).await.unwrap_err();
    assert!(e.message.contains("no scripted reply"), "{e}");
}

#[test]
fn bad_configuration_is_refused() {
    let base = LlmConfig {
        base_url: "http://127.0.0.1:9/v1".into(),
        api_key: None,
        model: "m".into(),
        embedding_model: "e".into(),
        timeout: Duration::from_secs(1),
        max_retries: 0,
        outbound: None,
    };
    for bad in [
        LlmConfig {
            base_url: "nowhere".into(),
            ..base.clone()
        },
        LlmConfig {
            model: " ".into(),
            ..base.clone()
        },
        LlmConfig {
            api_key: Some("sk\r\nX-Evil: 1".to_owned().into()),
            ..base.clone()
        },
    ] {
        let e = OpenAiClient::new(bad).unwrap_err();
        assert_eq!(e.kind, ProviderErrorKind::Permanent);
    }
    assert_eq!(OpenAiClient::new(base).unwrap().model(), "m");
}
