//! Names of vault secrets (provider credentials such as `unipile_api_key`).

use crate::ValidationErrors;

/// A secret's name: 1 to 64 of `a-z 0-9 _ . -`, starting with a letter, so that names are
/// safe in URLs, logs and environment-variable mappings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretName(String);

impl SecretName {
    /// Parses `raw`, reporting problems against `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationErrors> {
        let ok_start = raw.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
        if raw.is_empty() || raw.len() > 64 || !ok_start || !ok_chars {
            return Err(ValidationErrors::single(
                field,
                "must be 1 to 64 characters of a-z, 0-9, '_', '.', '-', starting with a letter",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_provider_style_names() {
        assert!(SecretName::parse("name", "unipile_api_key").is_ok());
        assert!(SecretName::parse("name", "openai.key-2").is_ok());
    }

    #[test]
    fn rejects_unsafe_names() {
        for bad in [
            "",
            "Upper",
            "1abc",
            "a/b",
            "a b",
            "'; drop table secrets;--",
            &"a".repeat(65),
        ] {
            assert!(SecretName::parse("name", bad).is_err(), "{bad:?}");
        }
    }
}
