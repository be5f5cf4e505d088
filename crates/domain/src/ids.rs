//! Typed identifiers. A `TenantId` can never be passed where a `UserId` is expected, which is
//! what lets every tenant-owned storage call demand a tenant by type.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) identifier, so that ids sort by creation.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// A workspace: one agency client or one consultant's business. Every business row belongs
    /// to exactly one tenant.
    TenantId
);
id_type!(
    /// A person who can log in; a user may belong to several workspaces.
    UserId
);
id_type!(
    /// A cartridge: the voice and knowledge that drives one client's content.
    CartridgeId
);
id_type!(
    /// An API key, named so it can be listed and revoked without revealing the key itself.
    ApiKeyId
);
id_type!(
    /// A file kept for a workspace (an upload or something RevOS rendered).
    FileId
);
id_type!(
    /// A lead magnet in a workspace's library.
    LeadMagnetId
);
id_type!(
    /// A generated guide or checklist (a lead magnet RevOS wrote).
    GuideId
);
id_type!(
    /// An invitation to join a workspace, redeemable once.
    InvitationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered() {
        let a = TenantId::new();
        let b = TenantId::new();
        assert!(a < b);
    }
}
