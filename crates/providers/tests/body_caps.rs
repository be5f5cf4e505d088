//! Hostile servers against the clients: answers far over the size cap end in one clear,
//! classified, unretried error; a model client for a workspace's own URL passes the outbound
//! guard on the request and on every redirect, and never follows one to a refused address.

use revos_providers::fakes::Fault;
use revos_providers::fakes::openai::FakeOpenAi;
use revos_providers::fakes::unipile::FakeUnipile;
use revos_providers::llm::{ChatRequest, LlmConfig, LlmMessage, OpenAiClient};
use revos_providers::outbound::OutboundPolicy;
use revos_providers::unipile::Unipile;
use revos_providers::{ErrorClass, HttpConfig, MAX_PROVIDER_BODY, ProviderErrorKind};
use std::net::IpAddr;
use std::time::Duration;

const HUNDRED_MB: u64 = 100 * 1024 * 1024;

fn config(url: &str, outbound: Option<OutboundPolicy>) -> LlmConfig {
    LlmConfig {
        base_url: url.to_owned(),
        api_key: Some("sk-own".to_owned().into()),
        model: "gpt-4o-mini".into(),
        embedding_model: "text-embedding-3-small".into(),
        timeout: Duration::from_secs(20),
        max_retries: 2,
        outbound,
    }
}

fn hello() -> ChatRequest {
    ChatRequest {
        messages: vec![LlmMessage::User {
            content: "hello".into(),
        }],
        ..Default::default()
    }
}

fn second_loopback() -> IpAddr {
    IpAddr::from([127, 0, 0, 2])
}

#[tokio::test]
async fn a_huge_model_answer_is_cut_at_the_cap_and_not_retried() {
    let fake = FakeOpenAi::start().await;
    fake.inject([Fault::Huge(HUNDRED_MB), Fault::Huge(HUNDRED_MB)]);
    let client = OpenAiClient::new(config(fake.url(), None)).unwrap();

    let e = client.chat(&hello()).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::BadResponse, "{e}");
    assert_eq!(e.kind, ProviderErrorKind::Permanent);
    assert!(
        e.public_message().contains("larger than 8388608 bytes"),
        "{}",
        e.public_message()
    );

    let mut stream = client.chat_stream(&hello()).await.unwrap();
    let mut last = None;
    while let Some(item) = futures::StreamExt::next(&mut stream).await {
        last = Some(item);
    }
    let e = last.expect("the stream ends").unwrap_err();
    assert_eq!(e.class(), ErrorClass::BadResponse, "{e}");
    assert!(e.public_message().contains("larger than"), "{e}");
    assert_eq!(fake.requests().len(), 2, "one request per call, no retry");
}

#[tokio::test]
async fn a_huge_provider_answer_is_cut_at_the_cap_and_not_retried() {
    let fake = FakeUnipile::start().await;
    fake.state.add_account("acc1", "Dana");
    fake.state.inject([Fault::Huge(HUNDRED_MB)]);
    let mut config = HttpConfig::new(&fake.base_url, "k".to_owned().into());
    config.timeout = Duration::from_secs(20);
    let e = Unipile::new(config).account("acc1").await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::BadResponse, "{e}");
    assert_eq!(e.kind, ProviderErrorKind::Permanent);
    assert!(
        e.public_message()
            .contains(&format!("larger than {MAX_PROVIDER_BODY} bytes")),
        "{}",
        e.public_message()
    );
    assert_eq!(fake.state.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn a_guarded_model_client_refuses_internal_urls_and_redirects_there() {
    // The victim: a server on 127.0.0.1 that must never be reached.
    let internal = FakeOpenAi::start().await;
    internal.push_text("internal secret");
    // The workspace's own server on 127.0.0.2, the only internal address the operator opened.
    let allowed = FakeOpenAi::start_on(second_loopback()).await;
    let policy = OutboundPolicy::new("127.0.0.2/32".parse().unwrap());

    let direct = OpenAiClient::new(config(internal.url(), Some(policy.clone()))).unwrap();
    let e = direct.chat(&hello()).await.unwrap_err();
    assert_eq!(e.class(), ErrorClass::BadResponse);
    assert!(e.public_message().contains("private"), "{e}");

    allowed.inject([Fault::Redirect(format!(
        "{}/chat/completions",
        internal.url()
    ))]);
    let redirected = OpenAiClient::new(config(allowed.url(), Some(policy))).unwrap();
    let e = redirected.chat(&hello()).await.unwrap_err();
    assert_eq!(e.kind, ProviderErrorKind::Permanent, "{e}");
    assert!(e.public_message().contains("redirected"), "{e}");
    assert_eq!(allowed.requests().len(), 1, "not retried");
    assert!(
        internal.requests().is_empty(),
        "the internal server was reached"
    );
    assert_eq!(internal.script_left(), 1);

    // Without the guard (the operator's own URL) the same redirect is followed.
    allowed.inject([Fault::Redirect(format!(
        "{}/chat/completions",
        internal.url()
    ))]);
    let trusted = OpenAiClient::new(config(allowed.url(), None)).unwrap();
    let answer = trusted.chat(&hello()).await.unwrap();
    assert_eq!(answer.content.as_deref(), Some("internal secret"));
}
