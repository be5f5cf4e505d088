//! Workspace names.

use crate::ValidationErrors;

/// A workspace's display name: 1 to 100 characters, trimmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    /// Parses `raw`, reporting problems against `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, ValidationErrors> {
        let mut c = crate::validation::Collector::default();
        c.text(field, raw.trim(), 1, 100);
        c.finish()?;
        Ok(Self(raw.trim().to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
