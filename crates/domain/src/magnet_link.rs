//! Tracked lead-magnet links: each DM carries `{public_url}/m/{token}` instead of the magnet's
//! own URL, so RevOS sees the lead open it. The rules here are pure: the token (an HMAC of
//! the workspace, campaign and lead under a key derived from the master key, so a retried DM
//! renders the same link, nobody can forge one, and it says nothing about the lead), its
//! stored hash, which fetches are a person opening it (link-preview crawlers, bots, `HEAD`
//! and prefetches are not) and how often an open is counted (the store applies [`COUNT_EVERY`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::TimeDelta;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::TenantId;

/// The event kind appended to the lead's timeline at its first open.
pub const MAGNET_OPENED: &str = "magnet_opened";

/// How long after a counted open the next one is counted: a client reloading the link in a
/// loop adds at most one open a minute.
pub const COUNT_EVERY: TimeDelta = TimeDelta::minutes(1);

/// The length of a token: 32 bytes (256 bits) in unpadded base64url.
pub const TOKEN_LEN: usize = 43;

/// The token of the link sent to `lead` of `campaign` in `tenant`: HMAC-SHA256 under `key`
/// (derived from the master key), base64url. The same inputs always give the same token.
pub fn token(key: &[u8; 32], tenant: TenantId, campaign: Uuid, lead: Uuid) -> String {
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a 32-byte key");
    mac.update(b"revos/magnet-link/v1|");
    mac.update(tenant.0.as_bytes());
    mac.update(campaign.as_bytes());
    mac.update(lead.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// True when `text` has a token's shape (so anything else is refused before a lookup).
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What is stored of a token: its SHA-256, hex. A database leak reveals no working link.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The link for `token` under the instance's public URL.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{}/m/{token}", public_url.trim_end_matches('/'))
}

/// What a request for a link looks like, as far as telling a person from a machine goes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fetch<'a> {
    /// A `HEAD` request (a link checker or a preview).
    pub head: bool,
    /// The `User-Agent` header.
    pub user_agent: Option<&'a str>,
    /// The `Purpose`, `Sec-Purpose` or `X-Purpose` header (browsers' prefetch and preview).
    pub purpose: Option<&'a str>,
}

/// User agents of link-preview fetchers and crawlers (matched case-insensitively anywhere in
/// the header), besides the generic words in [`MACHINE_WORDS`].
const PREVIEWERS: [&str; 10] = [
    "linkedinbot",
    "slackbot",
    "slack-imgproxy",
    "twitterbot",
    "facebookexternalhit",
    "facebot",
    "whatsapp",
    "googlebot",
    "skypeuripreview",
    "embedly",
];

/// Words that mark a user agent as a machine.
const MACHINE_WORDS: [&str; 4] = ["bot", "crawler", "spider", "preview"];

/// True when `fetch` is a person opening the link: not a `HEAD`, not a prefetch or preview,
/// and a user agent that is present and names no crawler. Machines still get the magnet;
/// they are just not counted.
pub fn is_open(fetch: &Fetch<'_>) -> bool {
    if fetch.head {
        return false;
    }
    if let Some(purpose) = fetch.purpose {
        let p = purpose.to_ascii_lowercase();
        if p.contains("prefetch") || p.contains("preview") || p.contains("prerender") {
            return false;
        }
    }
    let Some(agent) = fetch.user_agent.map(str::trim).filter(|a| !a.is_empty()) else {
        return false;
    };
    let agent = agent.to_ascii_lowercase();
    !PREVIEWERS
        .iter()
        .chain(MACHINE_WORDS.iter())
        .any(|w| agent.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 \
        (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

    fn get(agent: &str) -> Fetch<'_> {
        Fetch {
            user_agent: Some(agent),
            ..Fetch::default()
        }
    }

    #[test]
    fn tokens_are_stable_distinct_and_keyed() {
        let (t, c, l) = (TenantId(Uuid::now_v7()), Uuid::now_v7(), Uuid::now_v7());
        let key = [7u8; 32];
        let a = token(&key, t, c, l);
        assert_eq!(a, token(&key, t, c, l), "a retry renders the same link");
        assert!(is_token(&a) && a.len() == TOKEN_LEN);
        assert_ne!(a, token(&key, t, c, Uuid::now_v7()), "another lead");
        assert_ne!(a, token(&key, t, Uuid::now_v7(), l), "another campaign");
        assert_ne!(a, token(&[8u8; 32], t, c, l), "another key");
        assert!(!a.contains(&l.simple().to_string()[..8]));
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn only_token_shapes_are_tokens() {
        assert!(!is_token(""));
        assert!(!is_token(&"a".repeat(42)));
        assert!(!is_token(&format!("{}/", "a".repeat(42))));
        assert!(!is_token(&format!("{}.", "a".repeat(42))));
        assert!(is_token(&format!("{}-_Z", "a".repeat(40))));
    }

    #[test]
    fn links_join_the_public_url() {
        assert_eq!(link("https://r.example/", "tok"), "https://r.example/m/tok");
        assert_eq!(link("https://r.example", "tok"), "https://r.example/m/tok");
    }

    #[test]
    fn people_open_and_machines_do_not() {
        assert!(is_open(&get(BROWSER)));
        for bot in [
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "Twitterbot/1.0",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "WhatsApp/2.23.20.0",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "SomeCrawler/3",
            "my-spider",
            "Link Preview Service",
            "",
        ] {
            assert!(!is_open(&get(bot)), "{bot}");
        }
        assert!(!is_open(&Fetch::default()), "no user agent");
        let head = Fetch {
            head: true,
            ..get(BROWSER)
        };
        assert!(!is_open(&head));
        for purpose in ["prefetch", "prefetch;prerender", "Preview"] {
            let f = Fetch {
                purpose: Some(purpose),
                ..get(BROWSER)
            };
            assert!(!is_open(&f), "{purpose}");
        }
    }
}
