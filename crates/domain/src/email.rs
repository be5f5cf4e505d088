//! Email addresses, parsed once at the edge and compared case-insensitively.

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

    proptest! {
        #[test]
        fn parse_never_panics_and_is_idempotent(s in ".{0,300}") {
            if let Ok(e) = Email::parse("email", &s) {
                prop_assert_eq!(Email::parse("email", e.as_str()).unwrap(), e);
            }
        }
    }
}
