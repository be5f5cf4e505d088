//! Workspace roles and what each may do.

use serde::{Deserialize, Serialize};

/// A member's role in a workspace, from most to least powerful.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Created the workspace or was made owner; may do everything, including managing owners.
    Owner,
    /// Manages members (not owners), API keys and secrets.
    Admin,
    /// Works with cartridges, campaigns and leads.
    Member,
    /// The agency's client: sees the approval queue, the posts' schedule and the reports of
    /// the workspace, approves or rejects posts with a comment, and nothing else (the web
    /// layer's client allow-list closes every other route).
    Client,
}

impl Role {
    /// The name stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Client => "client",
        }
    }

    /// Parses a stored or submitted role name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "client" => Some(Role::Client),
            _ => None,
        }
    }

    /// Whether this role may change workspace settings: members, API keys and secrets.
    pub fn can_administer(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Whether this role may approve or reject posts: owners and admins (so that the member
    /// who drafts is not the one who lets it reach LinkedIn), and the client it is written for.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::Client)
    }

    /// Whether this is the client role, whose every request passes the web layer's allow-list.
    pub fn is_client(self) -> bool {
        self == Role::Client
    }

    /// Whether this role may grant or revoke `target`: nobody grants above their own role.
    pub fn can_grant(self, target: Role) -> bool {
        self.can_administer() && self <= target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_grant_owner() {
        assert!(Role::Owner.can_grant(Role::Owner));
        assert!(!Role::Admin.can_grant(Role::Owner));
        assert!(Role::Admin.can_grant(Role::Member));
        assert!(!Role::Member.can_grant(Role::Member));
        assert!(Role::Admin.can_grant(Role::Client));
        assert!(!Role::Client.can_grant(Role::Client));
    }

    #[test]
    fn clients_approve_but_administer_nothing() {
        assert!(Role::Client.can_approve());
        assert!(!Role::Client.can_administer());
        assert!(!Role::Member.can_approve());
        assert!(Role::Client > Role::Member, "the least powerful role");
    }

    #[test]
    fn names_round_trip() {
        for r in [Role::Owner, Role::Admin, Role::Member, Role::Client] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
