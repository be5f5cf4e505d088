//! What a campaign needs before it may go live. Activating a campaign that cannot work (no
//! post to watch, a lead magnet link that leads nowhere, an account that cannot reach
//! LinkedIn, an email tool without a key) would look busy and do nothing, so activation is
//! refused with every reason at once and the campaign stays a draft.

use crate::ValidationErrors;
use crate::campaign::{CampaignSpec, EmailProvider};
use crate::linkedin_account::AccountStatus;
use crate::validation::Collector;

/// What activation needs to know beyond the campaign's own fields: facts only the
/// application can look up (the account's state, the workspace's vault and the instance's
/// configuration).
#[derive(Clone, Copy, Debug)]
pub struct ActivationFacts {
    /// The campaign's LinkedIn account status (`ok`, `needs_reconnect`, `restricted`, …).
    pub account_status: AccountStatus,
    /// Whether the email fallback's provider has an API key (the workspace's secret or the
    /// instance's); ignored without a fallback and for the sandbox sequencer.
    pub email_provider_has_key: bool,
    /// The campaign's library magnet is a stored file (its link is one RevOS serves).
    pub magnet_is_file: bool,
    /// The operator set `REVOS_PUBLIC_URL`, so RevOS has links leads can open.
    pub public_url: bool,
}

/// Host names reserved for documentation and examples (RFC 2606): links there reach nobody.
const PLACEHOLDER_DOMAINS: [&str; 3] = ["example.com", "example.org", "example.net"];
/// Top-level domains that never resolve on the public internet (RFC 2606, RFC 6761).
const PLACEHOLDER_TLDS: [&str; 4] = ["example", "invalid", "test", "localhost"];

/// The host of an http(s) URL, lower-cased and without user info, port or trailing dot;
/// `None` when there is none.
fn host_of(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.').to_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Whether a lead magnet link is a placeholder no recipient can open: an example domain
/// (`example.com`, `.org`, `.net` and their subdomains, the chat's default link included), a
/// reserved top-level domain (`.example`, `.invalid`, `.test`, `.localhost`), `localhost`, a
/// loopback or unspecified address, or no host at all.
pub fn is_placeholder_url(url: &str) -> bool {
    let Some(host) = host_of(url) else {
        return true;
    };
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if PLACEHOLDER_DOMAINS.iter().any(|d| under(d)) || PLACEHOLDER_TLDS.iter().any(|t| under(t)) {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
        Err(_) => false,
    }
}

/// The name a person knows an email tool by.
fn provider_name(p: EmailProvider) -> &'static str {
    match p {
        EmailProvider::Instantly => "Instantly",
        EmailProvider::Smartlead => "Smartlead",
        EmailProvider::Sandbox => "the sandbox",
    }
}

/// Checks that `spec` can work once active, naming every field that stops it: at least one
/// watched post (`watched_posts`), a real lead magnet link (`lead_magnet.url`), an account
/// whose status is `ok` (`linkedin_account_id`), and a key for the email fallback's provider
/// (`email_fallback.provider`).
pub fn check_activation(
    spec: &CampaignSpec,
    facts: ActivationFacts,
) -> Result<(), ValidationErrors> {
    let mut c = Collector::default();
    if spec.watched_posts.iter().all(|p| p.trim().is_empty()) {
        c.push(
            "watched_posts",
            "must name at least one LinkedIn post to watch before the campaign is activated",
        );
    }
    if facts.magnet_is_file {
        if !facts.public_url {
            c.push(
                "lead_magnet_id",
                "is a file, and without REVOS_PUBLIC_URL RevOS has no link a lead can open; set REVOS_PUBLIC_URL or choose a magnet with a URL",
            );
        }
    } else if is_placeholder_url(&spec.lead_magnet.url) {
        c.push(
            "lead_magnet.url",
            "is a placeholder link nobody can open; set the lead magnet's real link before activating",
        );
    }
    if facts.account_status != AccountStatus::Ok {
        c.push(
            "linkedin_account_id",
            format!(
                "the LinkedIn account is {}, not ok; reconnect or resume it before activating",
                facts.account_status
            ),
        );
    }
    if let Some(f) = &spec.email_fallback
        && f.provider != EmailProvider::Sandbox
        && !facts.email_provider_has_key
    {
        let name = provider_name(f.provider);
        c.push(
            "email_fallback.provider",
            format!(
                "{name} has no API key: add the {}_api_key secret to this workspace, or choose another email fallback",
                name.to_lowercase()
            ),
        );
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::{EmailFallback, LeadMagnet};

    fn spec() -> CampaignSpec {
        CampaignSpec {
            name: "Playbook launch".into(),
            cartridge_id: None,
            linkedin_account_id: uuid::Uuid::now_v7(),
            lead_magnet_id: None,
            lead_magnet: LeadMagnet {
                title: "The Playbook".into(),
                url: "https://acme.io/playbook".into(),
                description: String::new(),
            },
            trigger_words: vec!["PLAYBOOK".into()],
            watched_posts: vec!["7332661864792854528".into()],
            dm_template: "Hi {{ first_name }}! {{ lead_magnet_url }}".into(),
            steps: crate::sequence::one_step("Hi {{ first_name }}! {{ lead_magnet_url }}"),
            personalize_dm: false,
            connect_reply_template: None,
            email_fallback: Some(EmailFallback {
                provider: EmailProvider::Instantly,
                campaign_id: "c-1".into(),
                delay_hours: 48,
                require_verified: true,
            }),
        }
    }

    const READY: ActivationFacts = ActivationFacts {
        account_status: AccountStatus::Ok,
        email_provider_has_key: true,
        magnet_is_file: false,
        public_url: false,
    };

    fn fields(spec: &CampaignSpec, facts: ActivationFacts) -> Vec<String> {
        match check_activation(spec, facts) {
            Ok(()) => Vec::new(),
            Err(e) => e.0.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn a_complete_campaign_may_activate() {
        assert_eq!(fields(&spec(), READY), Vec::<String>::new());
        let mut sandbox = spec();
        sandbox.email_fallback.as_mut().unwrap().provider = EmailProvider::Sandbox;
        let no_keys = ActivationFacts {
            email_provider_has_key: false,
            ..READY
        };
        assert!(
            fields(&sandbox, no_keys).is_empty(),
            "the sandbox needs no key"
        );
        sandbox.email_fallback = None;
        assert!(
            fields(&sandbox, no_keys).is_empty(),
            "no fallback needs no key"
        );
    }

    #[test]
    fn each_missing_piece_is_named() {
        let mut s = spec();
        s.watched_posts = vec!["  ".into()];
        assert_eq!(fields(&s, READY), ["watched_posts"]);
        let mut s = spec();
        s.lead_magnet.url = "https://example.com/lead-magnets/the-guide".into();
        assert_eq!(fields(&s, READY), ["lead_magnet.url"]);
        let reconnect = ActivationFacts {
            account_status: AccountStatus::NeedsReconnect,
            ..READY
        };
        assert_eq!(fields(&spec(), reconnect), ["linkedin_account_id"]);
        let no_key = ActivationFacts {
            email_provider_has_key: false,
            ..READY
        };
        assert_eq!(fields(&spec(), no_key), ["email_fallback.provider"]);
        let file = ActivationFacts {
            magnet_is_file: true,
            ..READY
        };
        assert_eq!(fields(&spec(), file), ["lead_magnet_id"]);
        let served = ActivationFacts {
            public_url: true,
            ..file
        };
        assert!(fields(&spec(), served).is_empty());
        let msg = check_activation(&spec(), no_key).unwrap_err().0[0]
            .message
            .clone();
        assert!(msg.contains("instantly_api_key"), "{msg}");
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let mut s = spec();
        s.watched_posts.clear();
        s.lead_magnet.url = "http://localhost:8080/guide".into();
        let facts = ActivationFacts {
            account_status: AccountStatus::Restricted,
            email_provider_has_key: false,
            ..READY
        };
        assert_eq!(
            fields(&s, facts),
            [
                "watched_posts",
                "lead_magnet.url",
                "linkedin_account_id",
                "email_fallback.provider"
            ]
        );
    }

    #[test]
    fn placeholder_links() {
        for url in [
            "https://example.com/lead-magnets/the-guide",
            "http://EXAMPLE.org",
            "https://www.example.net/x",
            "https://files.example.com./guide.pdf",
            "https://user:pw@example.com:8443/guide",
            "http://localhost/guide",
            "http://app.localhost:3000",
            "https://guide.test/x",
            "https://acme.invalid",
            "https://acme.example/x",
            "http://127.0.0.1:9/x",
            "http://[::1]/x",
            "http://0.0.0.0/",
            "https://",
            "not a url",
        ] {
            assert!(is_placeholder_url(url), "{url}");
        }
        for url in [
            "https://acme.io/playbook",
            "https://notexample.com/guide",
            "https://example.company.io/x",
            "https://drive.google.com/file/d/1?usp=example.com",
            "https://acme.io/path/example.com",
            "https://93.184.215.14/guide",
        ] {
            assert!(!is_placeholder_url(url), "{url}");
        }
    }
}
