//! Connecting a LinkedIn account through Unipile's hosted-auth page: RevOS hands out a
//! short-lived link whose `name` is a single-use random token (stored hashed); when the person
//! has connected, Unipile posts `{status, account_id, name}` to our notify URL, and the token
//! tells which workspace the account joins. The account is checked with Unipile before it is
//! added.

use crate::accounts::Account;
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::validation::Collector;
use revos_providers::unipile::HostedLinkSpec;
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
    /// `REVOS_PUBLIC_URL` (where Unipile reaches us) and a Unipile key. `return_to` (a path of
    /// this instance, e.g. `/settings`) is where Unipile sends the person once connected.
    pub async fn unipile_hosted_link(
        &self,
        who: &Principal,
        display_name: Option<&str>,
        return_to: Option<&str>,
    ) -> Result<HostedLink> {
        who.require_admin()?;
        let mut c = Collector::default();
        if let Some(name) = display_name {
            c.text("display_name", name, 1, 200);
        }
        c.finish()?;
        self.hosted_link(who, display_name.map(str::trim), None, return_to)
            .await
    }

    /// A hosted-auth link that reconnects the caller's account `id` (whose session Unipile
    /// lost); Unipile's `RECONNECTED` notice marks it `ok` again. Sandbox accounts have no
    /// session to reconnect (422).
    pub async fn unipile_reconnect_link(
        &self,
        who: &Principal,
        id: uuid::Uuid,
        return_to: Option<&str>,
    ) -> Result<HostedLink> {
        who.require_admin()?;
        let account = self.get_account(who, id).await?;
        if account.provider != "unipile" {
            return Err(revos_domain::ValidationErrors::single(
                "id",
                "only Unipile accounts are reconnected; a sandbox account needs no session",
            )
            .into());
        }
        self.hosted_link(who, None, Some(&account.provider_account_id), return_to)
            .await
    }

    /// Stores a single-use token for `who`'s workspace and asks Unipile for its link.
    async fn hosted_link(
        &self,
        who: &Principal,
        display_name: Option<&str>,
        reconnect_account: Option<&str>,
        return_to: Option<&str>,
    ) -> Result<HostedLink> {
        let settings = self.provider_settings();
        let public = settings.public_url.clone().ok_or_else(|| {
            AppError::Conflict("set REVOS_PUBLIC_URL so that Unipile can reach RevOS".into())
        })?;
        let public = public.trim_end_matches('/');
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
            display_name,
            expires_at,
            now,
        )
        .await?;
        tx.commit().await?;
        let notify = format!("{public}/api/v1/webhooks/unipile/hosted");
        // Only a path of this instance: a link never sends people elsewhere.
        let back = return_to
            .filter(|p| p.starts_with('/') && !p.starts_with("//"))
            .map(|p| format!("{public}{p}"));
        let expires_on = expires_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let url = unipile
            .hosted_auth_link(&HostedLinkSpec {
                name: &token,
                notify_url: &notify,
                api_url: &api_url,
                expires_on: &expires_on,
                reconnect_account,
                success_redirect_url: back.as_deref(),
            })
            .await?;
        Ok(HostedLink { url, expires_at })
    }

    /// Handles Unipile's notification that a hosted-auth link connected (or reconnected)
    /// `account_id`; `None` when `name` is not a live link of ours (unknown, used or expired).
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
