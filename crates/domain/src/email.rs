//! Email addresses, parsed once at the edge and compared case-insensitively, and how
//! deliverable an address is: which of Apollo's email statuses an email sequence may use.

use crate::ValidationErrors;
use serde::Serialize;

/// A syntactically plausible email address, trimmed and lower-cased so that the same person
/// never gets two accounts by changing case.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses `raw`, reporting problems against `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationErrors> {
        let value = raw.trim().to_lowercase();
        let bad = |msg: &str| Err(ValidationErrors::single(field, msg));
        if value.is_empty() {
            return bad("must not be empty");
        }
        if value.len() > 254 {
            return bad("must be at most 254 characters");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return bad("must be an email address like name@example.com");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.split('.').all(|p| !p.is_empty());
        let chars_ok = !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if local.is_empty() || local.len() > 64 || !domain_ok || !chars_ok || domain.contains('@') {
            return bad("must be an email address like name@example.com");
        }
        Ok(Self(value))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How deliverable an address is, from the `email_status` Apollo sends with a person
/// (documented: `verified`, `unverified`, `bounced`, `unavailable`; also seen: `likely to
/// engage`, `guessed`, `extrapolated`), or `bounced` once a sequencer reported a bounce.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Apollo verified the address.
    Verified,
    /// Apollo thinks the address is probably right (`likely to engage`, `guessed`,
    /// `extrapolated`) without having verified it.
    Likely,
    /// Apollo says it could not verify the address.
    Unverified,
    /// Apollo has no usable address.
    Unavailable,
    /// Mail to the address bounced (Apollo's record, or a sequencer's bounce event).
    Bounced,
    /// No status, or one RevOS does not know: nothing is known about deliverability.
    Unknown,
}

/// The status stored on a lead whose address bounced.
pub const BOUNCED: &str = "bounced";

impl EmailStatus {
    /// Reads a stored or provider status; case, spaces, `_` and `-` do not matter.
    pub fn parse(raw: Option<&str>) -> Self {
        let Some(raw) = raw else {
            return Self::Unknown;
        };
        let words = raw
            .trim()
            .to_lowercase()
            .replace(['_', '-'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match words.as_str() {
            "verified" => Self::Verified,
            "likely to engage" | "likely" | "guessed" | "extrapolated" => Self::Likely,
            "unverified" => Self::Unverified,
            "unavailable" => Self::Unavailable,
            BOUNCED => Self::Bounced,
            _ => Self::Unknown,
        }
    }

    /// Whether an email sequence may use an address with this status. `require_verified`
    /// (a campaign's `email_fallback.require_verified`) allows only verified addresses;
    /// without it likely ones pass too. Unverified, unavailable, bounced and unknown
    /// addresses never do: a bounce costs the sender's reputation more than a lead is worth.
    pub fn sendable(self, require_verified: bool) -> Result<(), NotSendable> {
        match self {
            Self::Verified => Ok(()),
            Self::Likely if !require_verified => Ok(()),
            Self::Likely | Self::Unverified => Err(NotSendable::Unverified),
            Self::Unavailable => Err(NotSendable::Unavailable),
            Self::Bounced => Err(NotSendable::Bounced),
            Self::Unknown => Err(NotSendable::Unknown),
        }
    }
}

/// Why an address is not handed to an email sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum NotSendable {
    /// Not verified (and the campaign requires verified addresses, or Apollo says unverified).
    Unverified,
    /// Apollo has no usable address.
    Unavailable,
    /// Mail to it bounced.
    Bounced,
    /// Its deliverability is not known.
    Unknown,
}

impl NotSendable {
    /// The reason recorded in the lead's `email_not_sequenced` event.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Unverified => "email_unverified",
            Self::Unavailable => "email_unavailable",
            Self::Bounced => "email_bounced",
            Self::Unknown => "email_status_unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            Email::parse("email", "  Ana@Example.COM ")
                .unwrap()
                .as_str(),
            "ana@example.com"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@x",
            "a b@x.com",
            "a@b@c.com",
            "a@.com",
            "a@x..com",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn apollo_statuses_are_read_whatever_their_spelling() {
        use EmailStatus::*;
        for (raw, want) in [
            (Some("verified"), Verified),
            (Some(" Likely To Engage "), Likely),
            (Some("likely_to_engage"), Likely),
            (Some("guessed"), Likely),
            (Some("extrapolated"), Likely),
            (Some("unverified"), Unverified),
            (Some("unavailable"), Unavailable),
            (Some("BOUNCED"), Bounced),
            (Some("update_required"), Unknown),
            (Some(""), Unknown),
            (None, Unknown),
        ] {
            assert_eq!(EmailStatus::parse(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn only_sendable_statuses_are_sequenced() {
        use EmailStatus::*;
        assert_eq!(Verified.sendable(true), Ok(()));
        assert_eq!(Verified.sendable(false), Ok(()));
        assert_eq!(Likely.sendable(true), Err(NotSendable::Unverified));
        assert_eq!(Likely.sendable(false), Ok(()));
        for strict in [true, false] {
            assert_eq!(Unverified.sendable(strict), Err(NotSendable::Unverified));
            assert_eq!(Unavailable.sendable(strict), Err(NotSendable::Unavailable));
            assert_eq!(Bounced.sendable(strict), Err(NotSendable::Bounced));
            assert_eq!(Unknown.sendable(strict), Err(NotSendable::Unknown));
        }
        assert_eq!(NotSendable::Unverified.reason(), "email_unverified");
        assert_eq!(NotSendable::Bounced.reason(), "email_bounced");
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_is_idempotent(s in ".{0,300}") {
            if let Ok(e) = Email::parse("email", &s) {
                prop_assert_eq!(Email::parse("email", e.as_str()).unwrap(), e);
            }
        }
    }
}
