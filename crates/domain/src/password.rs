//! Password policy for new passwords. Hashing lives in the app layer; this only decides what a
//! person may choose.

use crate::ValidationErrors;

/// A password that meets the policy: 10 to 256 characters, not blank.
pub struct NewPassword(String);

impl NewPassword {
    /// Minimum length: long enough to resist online guessing under the login rate limit.
    pub const MIN_CHARS: usize = 10;
    /// Maximum length: bounds the hashing work one request can demand.
    pub const MAX_CHARS: usize = 256;

    /// Checks `raw` against the policy, reporting problems against `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationErrors> {
        let len = raw.chars().count();
        if raw.trim().is_empty() {
            return Err(ValidationErrors::single(field, "must not be empty"));
        }
        if len < Self::MIN_CHARS {
            return Err(ValidationErrors::single(
                field,
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if len > Self::MAX_CHARS {
            return Err(ValidationErrors::single(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_length() {
        assert!(NewPassword::parse("password", "short").is_err());
        assert!(NewPassword::parse("password", "          ").is_err());
        assert!(NewPassword::parse("password", &"x".repeat(257)).is_err());
        assert!(NewPassword::parse("password", "correct horse").is_ok());
    }

    #[test]
    fn debug_hides_the_password() {
        let p = NewPassword::parse("password", "correct horse").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
