//! What connecting a real LinkedIn account needs on this instance, so Settings can say what is
//! missing before anyone tries: Unipile's URL (the operator's `REVOS_UNIPILE_URL`), a key (the
//! operator's, or the workspace's own `unipile_api_key` in the vault) and, for hosted-auth
//! links, `REVOS_PUBLIC_URL` where Unipile reaches RevOS.

use crate::providers::UNIPILE_KEY;
use crate::{App, Principal, Result};
use revos_domain::SecretName;

/// What the instance and the workspace have of Unipile's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UnipileSetup {
    /// The operator set Unipile's URL.
    pub url: bool,
    /// The operator set a key every workspace may use.
    pub instance_key: bool,
    /// The workspace stored its own key.
    pub workspace_key: bool,
    /// The operator set `REVOS_PUBLIC_URL` (hosted-auth links need it).
    pub public_url: bool,
}

impl UnipileSetup {
    /// Whether accounts can be attached by their Unipile account id.
    pub fn can_attach(&self) -> bool {
        self.url && (self.instance_key || self.workspace_key)
    }

    /// Whether hosted-auth links can be made.
    pub fn can_link(&self) -> bool {
        self.can_attach() && self.public_url
    }
}

impl App {
    /// What the caller's workspace has of Unipile's configuration (owners and admins: it
    /// tells whether a key is stored).
    pub async fn unipile_setup(&self, who: &Principal) -> Result<UnipileSetup> {
        who.require_admin()?;
        let settings = self.provider_settings();
        let name = SecretName::parse("name", UNIPILE_KEY)?;
        Ok(UnipileSetup {
            url: settings.unipile_url.is_some(),
            instance_key: settings.unipile_key.is_some(),
            workspace_key: self.reveal_secret(who.tenant, &name).await?.is_some(),
            public_url: settings.public_url.is_some(),
        })
    }
}
