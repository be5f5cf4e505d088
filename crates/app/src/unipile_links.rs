//! Connecting a LinkedIn account through Unipile's hosted-auth page: RevOS hands out a
//! short-lived link whose `name` is a single-use random token (stored hashed); when the person
//! has connected, Unipile posts `{status, account_id, name}` to our notify URL, and the token
//! tells which workspace the account joins. The account is checked with Unipile before it is
//! added.

use crate::accounts::Account;
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::validation::Collector;
use revos_store::unipile_links;

/// Prefix of hosted-link tokens.
const LINK_PREFIX: &str = "rvu_";

/// How long a hosted-auth link can be used.
pub const LINK_TTL_MINUTES: i64 = 60;

/// A hosted-auth link to send the person who owns the LinkedIn account to.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HostedLink {
    /// Unipile's page.
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

impl App {
    /// A hosted-auth link that connects a LinkedIn account to the caller's workspace. Needs
    /// `REVOS_PUBLIC_URL` (where Unipile reaches us) and a Unipile key.
    pub async fn unipile_hosted_link(
        &self,
        who: &Principal,
        display_name: Option<&str>,
    ) -> Result<HostedLink> {
        who.require_admin()?;
        let mut c = Collector::default();
        if let Some(name) = display_name {
            c.text("display_name", name, 1, 200);
        }
        c.finish()?;
        let settings = self.provider_settings();
        let public = settings.public_url.clone().ok_or_else(|| {
            AppError::Conflict("set REVOS_PUBLIC_URL so that Unipile can reach RevOS".into())
        })?;
        let unipile = self.unipile(who.tenant).await?;
        let api_url = settings
            .unipile_url
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/')
            .trim_end_matches("/api/v1")
            .to_owned();
        let now = self.now();
        let expires_at = now + chrono::Duration::minutes(LINK_TTL_MINUTES);
        let token = crate::tokens::generate(LINK_PREFIX);
        let mut tx = self.store.begin_for(who.tenant).await?;
        unipile_links::insert(
            &mut tx,
            who.tenant,
            &crate::tokens::hash(&token),
            display_name.map(str::trim),
            expires_at,
            now,
        )
        .await?;
        tx.commit().await?;
        let notify = format!(
            "{}/api/v1/webhooks/unipile/hosted",
            public.trim_end_matches('/')
        );
        let expires_on = expires_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let url = unipile
            .hosted_auth_link(&token, &notify, &api_url, &expires_on)
            .await?;
        Ok(HostedLink { url, expires_at })
    }

    /// Handles Unipile's notification that a hosted-auth link connected `account_id`; `None`
    /// when `name` is not a live link of ours (unknown, used or expired).
    pub async fn unipile_hosted_connected(
        &self,
        name: &str,
        account_id: &str,
    ) -> Result<Option<Account>> {
        let hash = crate::tokens::hash(name);
        let found = {
            let mut tx = self.store.begin().await?;
            tx.scope_credential(&hash).await?;
            let found = unipile_links::redeem(&mut tx, &hash, self.now()).await?;
            tx.commit().await?;
            found
        };
        let Some((tenant, display_name)) = found else {
            return Ok(None);
        };
        let account = self
            .attach_unipile_account(
                revos_domain::TenantId(tenant),
                account_id,
                display_name.as_deref(),
            )
            .await?;
        Ok(Some(account))
    }
}
