//! The vocabulary of a cartridge's memory: what kind of text an example is and where it came
//! from. The texts themselves live in storage; these rules are shared by the API, the CLI and
//! the approval workflow.

use serde::{Deserialize, Serialize};

/// The channel an example was written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExampleKind {
    /// A LinkedIn post.
    Post,
    /// A direct message.
    Dm,
}

impl ExampleKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Dm => "dm",
        }
    }

    /// Parses a stored or query value (`post` or `dm`).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "post" => Some(Self::Post),
            "dm" => Some(Self::Dm),
            _ => None,
        }
    }
}

/// How an example entered the memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ExampleSource {
    /// A person approved a draft (as is or edited) in the approval workflow.
    Approval,
    /// A person added it by hand.
    Manual,
    /// It came with an imported cartridge file.
    Import,
}

impl ExampleSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Manual => "manual",
            Self::Import => "import",
        }
    }

    /// Parses a stored value.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "approval" => Some(Self::Approval),
            "manual" => Some(Self::Manual),
            "import" => Some(Self::Import),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in [ExampleKind::Post, ExampleKind::Dm] {
            assert_eq!(ExampleKind::parse(k.as_str()), Some(k));
        }
        for s in [
            ExampleSource::Approval,
            ExampleSource::Manual,
            ExampleSource::Import,
        ] {
            assert_eq!(ExampleSource::parse(s.as_str()), Some(s));
        }
        assert_eq!(ExampleKind::parse("email"), None);
    }
}
