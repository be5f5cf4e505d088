//! Who is calling, resolved once per request from a bearer token.

use revos_domain::{Role, TenantId, UserId};
use uuid::Uuid;

/// An authenticated caller acting in one workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The workspace every call of this request is scoped to.
    pub tenant: TenantId,
    /// The person behind the call (the creator, for an API key).
    pub user: UserId,
    /// What the caller may do.
    pub role: Role,
    /// How the caller authenticated.
    pub credential: Credential,
}

/// The kind of token that authenticated a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// A login session, by id.
    Session(Uuid),
    /// An API key, by id.
    ApiKey(Uuid),
    /// An operator command run on the server (the CLI), with database access and no token.
    Operator,
    /// A background job acting for its workspace (reads only, no person behind it).
    Worker,
    /// A share link's visitor (no account), by the link's id: acts as a client on the posts
    /// waiting for approval, through the share-link use cases only.
    ShareLink(Uuid),
}

impl Principal {
    /// Fails unless the caller may administer the workspace.
    pub fn require_admin(&self) -> crate::Result<()> {
        if self.role.can_administer() {
            Ok(())
        } else {
            Err(crate::AppError::Forbidden(
                "this needs the owner or admin role",
            ))
        }
    }
}
