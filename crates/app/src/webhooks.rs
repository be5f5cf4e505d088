//! Each workspace's own webhook URLs, one per provider, each carrying a 256-bit random token:
//! a delivery to it touches that workspace only (an email reply finds its workspace from the
//! URL, never from a provider campaign id two workspaces could share; a Unipile event is
//! accepted only for the workspace's own accounts). Tokens are stored as SHA-256 (to find the
//! workspace) and sealed under the tenant's data key (to show the URL again); rotating makes
//! new ones and the old ones stop working at once. The instance secret
//! (`REVOS_WEBHOOK_SECRET`) remains only on `/api/v1/webhooks/unipile`.

use crate::{App, Principal, Result, vault};
use chrono::{DateTime, Utc};
use revos_domain::TenantId;
use revos_store::webhook_tokens as store;
use serde::Serialize;

/// Prefix of webhook tokens.
const WEBHOOK_PREFIX: &str = "rvw_";

/// A provider that delivers webhooks to RevOS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WebhookProvider {
    /// Unipile: `message_received`, `new_relation` and account status.
    Unipile,
    /// Instantly: `reply_received`, `email_bounced`.
    Instantly,
    /// Smartlead: `EMAIL_REPLY`, `EMAIL_BOUNCE`.
    Smartlead,
}

impl WebhookProvider {
    /// Every provider, in the order URLs are listed.
    pub const ALL: [Self; 3] = [Self::Unipile, Self::Instantly, Self::Smartlead];

    /// Its name in URLs and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unipile => "unipile",
            Self::Instantly => "instantly",
            Self::Smartlead => "smartlead",
        }
    }
}

/// One webhook URL of the workspace, to register with its provider.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookUrl {
    /// The provider it is for.
    pub provider: WebhookProvider,
    /// The full URL (from `REVOS_PUBLIC_URL`), or its path when no public URL is configured.
    pub url: String,
    /// When its token was made.
    pub created_at: DateTime<Utc>,
}

/// Which workspaces a webhook delivery may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookScope {
    /// The instance secret on `/api/v1/webhooks/unipile`: the one workspace each Unipile
    /// account belongs to.
    Instance,
    /// A workspace's own URL: that workspace only.
    Workspace(TenantId),
}

impl WebhookScope {
    /// Whether a delivery in this scope may touch `tenant`.
    pub fn admits(self, tenant: TenantId) -> bool {
        match self {
            Self::Instance => true,
            Self::Workspace(own) => own == tenant,
        }
    }
}

impl App {
    /// The workspace's webhook URLs, made on first use. Owners and admins only: a URL is a
    /// credential.
    pub async fn list_webhooks(&self, who: &Principal) -> Result<Vec<WebhookUrl>> {
        who.require_admin()?;
        self.webhook_urls(who.tenant, false).await
    }

    /// Replaces every webhook token of the workspace; the old URLs stop working at once.
    pub async fn rotate_webhooks(&self, who: &Principal) -> Result<Vec<WebhookUrl>> {
        who.require_admin()?;
        let urls = self.webhook_urls(who.tenant, true).await?;
        tracing::info!(tenant = %who.tenant, "webhook URLs rotated");
        Ok(urls)
    }

    /// The workspace a webhook token of `provider` belongs to; `None` for an unknown or
    /// rotated token, or one made for another provider.
    pub async fn webhook_workspace(
        &self,
        provider: WebhookProvider,
        token: &str,
    ) -> Result<Option<TenantId>> {
        if !token.starts_with(WEBHOOK_PREFIX) {
            return Ok(None);
        }
        let hash = crate::tokens::hash(token);
        let mut tx = self.store.begin_read().await?;
        tx.scope_credential(&hash).await?;
        let found = store::find(&mut tx, &hash).await?;
        tx.commit().await?;
        Ok(found
            .filter(|(_, p)| p == provider.as_str())
            .map(|(tenant, _)| TenantId(tenant)))
    }

    /// Makes the missing tokens of `tenant` (all of them when `rotate`) and reads its URLs.
    async fn webhook_urls(&self, tenant: TenantId, rotate: bool) -> Result<Vec<WebhookUrl>> {
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let dek = self.data_key(&mut tx, tenant).await?;
        let existing = store::list(&mut tx, tenant).await?;
        for provider in WebhookProvider::ALL {
            let name = provider.as_str();
            if !rotate && existing.iter().any(|r| r.provider == name) {
                continue;
            }
            let token = crate::tokens::generate(WEBHOOK_PREFIX);
            let sealed = vault::seal_webhook_token(&dek, tenant, name, &token)?;
            let hash = crate::tokens::hash(&token);
            store::put(&mut tx, tenant, name, &hash, &sealed, rotate, now).await?;
        }
        let rows = store::list(&mut tx, tenant).await?;
        tx.commit().await?;
        let base = self
            .provider_settings()
            .public_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned();
        let mut urls = Vec::with_capacity(rows.len());
        for provider in WebhookProvider::ALL {
            let Some(row) = rows.iter().find(|r| r.provider == provider.as_str()) else {
                continue;
            };
            let token = vault::open_webhook_token(&dek, tenant, &row.provider, &row.sealed_token)?;
            urls.push(WebhookUrl {
                provider,
                url: format!("{base}/api/v1/webhooks/{}/{token}", provider.as_str()),
                created_at: row.created_at,
            });
        }
        Ok(urls)
    }
}
