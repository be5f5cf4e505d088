//! The Instantly and Smartlead clients against their fakes: enrolment with variables,
//! idempotent retries, faults, and no key in any error.

use revos_providers::email::{Added, EmailLead, Instantly, Smartlead};
use revos_providers::fakes::Fault;
use revos_providers::fakes::email::FakeSequencer;
use revos_providers::{HttpConfig, ProviderErrorKind};
use std::time::Duration;

fn lead() -> EmailLead {
    EmailLead {
        email: "Jane@Acme.com".into(),
        first_name: "Jane".into(),
        last_name: "Doe".into(),
        company: Some("Acme".into()),
        linkedin_url: Some("https://www.linkedin.com/in/jane".into()),
        variables: [("lead_magnet".to_owned(), "The Playbook".to_owned())].into(),
    }
}

fn config(base: &str, key: &str) -> HttpConfig {
    let mut c = HttpConfig::new(base, key.to_owned().into());
    c.timeout = Duration::from_millis(300);
    c.retry_base = Duration::from_millis(10);
    c
}

#[tokio::test]
async fn instantly_enrols_once_with_variables_even_when_retried() {
    let fake = FakeSequencer::start_instantly().await;
    let client = Instantly::new(config(&fake.base_url, "inst-key"));
    fake.state.inject([
        Fault::ServerError,
        Fault::RateLimited {
            retry_after_secs: 0,
        },
    ]);
    assert_eq!(
        client.add_lead("camp-1", &lead()).await.unwrap(),
        Added::Added
    );
    let leads = fake.state.leads("camp-1");
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["custom_variables"]["lead_magnet"], "The Playbook");
    assert_eq!(
        leads[0]["custom_variables"]["linkedin_url"],
        "https://www.linkedin.com/in/jane"
    );
    // A call that enrolled the lead but timed out, retried: still one enrolment.
    fake.state.inject([Fault::StallAfterEffect(1_000)]);
    let mut other = lead();
    other.email = "bob@acme.com".into();
    assert_eq!(
        client.add_lead("camp-1", &other).await.unwrap(),
        Added::AlreadyThere
    );
    assert_eq!(fake.state.leads("camp-1").len(), 2);
    assert_eq!(
        client.add_lead("camp-1", &lead()).await.unwrap(),
        Added::AlreadyThere
    );
}

#[tokio::test]
async fn smartlead_enrols_and_keeps_its_key_out_of_errors() {
    let fake = FakeSequencer::start_smartlead().await;
    let client = Smartlead::new(config(&fake.base_url, "sl-secret-key"));
    assert_eq!(client.add_lead("42", &lead()).await.unwrap(), Added::Added);
    assert_eq!(
        fake.state.leads("42")[0]["custom_fields"]["lead_magnet"],
        "The Playbook"
    );
    assert_eq!(
        client.add_lead("42", &lead()).await.unwrap(),
        Added::AlreadyThere
    );

    fake.state.inject([Fault::Status(400)]);
    let err = client.add_lead("42", &lead()).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Permanent);
    fake.state
        .inject(std::iter::repeat_n(Fault::Stall(1_000), 5));
    let err = client.add_lead("42", &lead()).await.unwrap_err();
    assert_eq!(err.kind, ProviderErrorKind::Transient);
    assert!(!format!("{err} {err:?}").contains("sl-secret-key"), "{err}");
    fake.state.inject([Fault::Malformed]);
    assert_eq!(
        client.add_lead("42", &lead()).await.unwrap_err().kind,
        ProviderErrorKind::Transient
    );
}
