//! Whether a connected LinkedIn account can be used: the status the provider's account
//! events, a health check or an operator set on it.

use crate::stored_name::stored_names;
use serde::{Deserialize, Serialize};

/// The health of a LinkedIn account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Connected and usable.
    Ok,
    /// The provider lost the session; someone has to reconnect it.
    NeedsReconnect,
    /// LinkedIn restricted it.
    Restricted,
    /// Paused after a provider limit signal, until `paused_until`.
    Paused,
    /// An upgrade found it attached to an older workspace too; not used.
    Detached,
}

impl AccountStatus {
    /// Every status.
    pub const ALL: [AccountStatus; 5] = [
        AccountStatus::Ok,
        AccountStatus::NeedsReconnect,
        AccountStatus::Restricted,
        AccountStatus::Paused,
        AccountStatus::Detached,
    ];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Ok => "ok",
            AccountStatus::NeedsReconnect => "needs_reconnect",
            AccountStatus::Restricted => "restricted",
            AccountStatus::Paused => "paused",
            AccountStatus::Detached => "detached",
        }
    }
}

stored_names!(AccountStatus, "account status");
