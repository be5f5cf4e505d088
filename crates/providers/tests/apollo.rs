//! The Apollo client against the fake Apollo server, faults included.

use revos_providers::apollo::Apollo;
use revos_providers::fakes::Fault;
use revos_providers::fakes::apollo::FakeApollo;
use revos_providers::{HttpConfig, ProviderErrorKind};
use std::time::{Duration, Instant};

const URL: &str = "https://www.linkedin.com/in/ana-lopez";

fn client(base: &str) -> Apollo {
    let mut config = HttpConfig::new(base, "apollo-test-key".to_owned().into());
    config.timeout = Duration::from_millis(300);
    config.retry_base = Duration::from_millis(20);
    Apollo::new(config)
}

#[tokio::test]
async fn matches_people_by_linkedin_url_with_the_documented_request() {
    let fake = FakeApollo::start().await;
    fake.state
        .add_person(URL, "ana@acme.io", "VP Sales", "Acme");
    let person = client(&fake.base_url)
        .match_person(URL)
        .await
        .unwrap()
        .expect("a match");
    assert_eq!(person.email.as_deref(), Some("ana@acme.io"));
    assert_eq!(person.email_status.as_deref(), Some("verified"));
    assert_eq!(
        (person.title.as_deref(), person.company.as_deref()),
        (Some("VP Sales"), Some("Acme"))
    );
    assert_eq!(person.company_size, Some(120));
    let (headers, body) = fake.state.requests().pop().unwrap();
    assert_eq!(headers["x-api-key"], "apollo-test-key");
    assert_eq!(body["linkedin_url"], URL);
    // No match is not an error.
    assert_eq!(
        client(&fake.base_url)
            .match_person("https://www.linkedin.com/in/nobody")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn retries_5xx_and_timeouts_then_succeeds() {
    let fake = FakeApollo::start().await;
    fake.state
        .add_person(URL, "ana@acme.io", "VP Sales", "Acme");
    fake.state
        .inject([Fault::ServerError, Fault::Stall(1_000), Fault::ServerError]);
    let person = client(&fake.base_url).match_person(URL).await.unwrap();
    assert!(person.is_some());
    assert_eq!(fake.state.requests().len(), 4);
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let fake = FakeApollo::start().await;
    fake.state
        .add_person(URL, "ana@acme.io", "VP Sales", "Acme");
    fake.state.inject([Fault::RateLimited {
        retry_after_secs: 1,
    }]);
    let started = Instant::now();
    assert!(
        client(&fake.base_url)
            .match_person(URL)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );

    // A wait longer than the client accepts in-call goes back to the caller, classified.
    fake.state.inject([Fault::RateLimited {
        retry_after_secs: 3_600,
    }]);
    let err = client(&fake.base_url).match_person(URL).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert_eq!(err.retry_after, Some(Duration::from_secs(3_600)));
    assert_eq!(
        err.provider_type.as_deref(),
        Some("USAGE.RATE_LIMIT.API_RATE_LIMIT_EXCEEDED")
    );
}

#[tokio::test]
async fn classifies_what_cannot_succeed_and_gives_up_on_what_keeps_failing() {
    let fake = FakeApollo::start().await;
    fake.state.inject([Fault::Status(400)]);
    let err = client(&fake.base_url).match_person(URL).await.unwrap_err();
    assert_eq!(
        (err.kind, err.status),
        (ProviderErrorKind::Permanent, Some(400))
    );
    assert_eq!(err.provider_type.as_deref(), Some("INVALID_REQUEST"));
    assert_eq!(
        fake.state.requests().len(),
        1,
        "a permanent error is not retried"
    );

    fake.state
        .inject(std::iter::repeat_n(Fault::ServerError, 10));
    let err = client(&fake.base_url).match_person(URL).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Transient);
    assert_eq!(
        fake.state.requests().len(),
        1 + 4,
        "first attempt plus three retries"
    );

    let fake = FakeApollo::start().await;
    fake.state.inject([Fault::Malformed]);
    let err = client(&fake.base_url).match_person(URL).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Transient, "{err}");
    assert!(err.to_string().contains("documented shape"));
}

#[tokio::test]
async fn the_key_never_appears_in_errors() {
    let fake = FakeApollo::start().await;
    fake.state.inject([Fault::Status(403)]);
    let err = client(&fake.base_url).match_person(URL).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("apollo-test-key"));
}
