//! Who may create a workspace by signing up: the operator's choice (`REVOS_SIGNUP`).

/// The instance's sign-up rule.
///
/// An open sign-up lets anyone on the network create a workspace, and every workspace is a
/// possible attacker of the others; so by default only the first workspace of an empty
/// instance comes from sign-up, and later people join by invitation or are given a workspace
/// by the operator (`revos admin workspace create`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignupPolicy {
    /// Only while the instance has no workspace at all (the default).
    #[default]
    First,
    /// Anyone may create a workspace.
    Open,
    /// Nobody may; workspaces come only from the operator.
    Closed,
}

impl SignupPolicy {
    /// Parses `first`, `open` or `closed` (any case, surrounding spaces ignored).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "first" => Some(Self::First),
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }

    /// Whether a sign-up may create a workspace, given whether the instance has any yet.
    pub fn allows(self, instance_has_workspaces: bool) -> bool {
        match self {
            Self::First => !instance_has_workspaces,
            Self::Open => true,
            Self::Closed => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_allows_only_the_first_workspace() {
        assert!(SignupPolicy::First.allows(false));
        assert!(!SignupPolicy::First.allows(true));
        assert!(SignupPolicy::Open.allows(true));
        assert!(!SignupPolicy::Closed.allows(false));
    }

    #[test]
    fn parses_the_three_names_only() {
        assert_eq!(SignupPolicy::parse(" Open "), Some(SignupPolicy::Open));
        assert_eq!(SignupPolicy::parse("first"), Some(SignupPolicy::First));
        assert_eq!(SignupPolicy::parse("closed"), Some(SignupPolicy::Closed));
        assert_eq!(SignupPolicy::parse("invite"), None);
        assert_eq!(SignupPolicy::default(), SignupPolicy::First);
    }
}
