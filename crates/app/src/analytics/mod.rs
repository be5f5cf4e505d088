//! A workspace's analytics export to PostHog: the switch (off by default) and where events go
//! (the workspace's own PostHog project from the vault, `posthog_api_key` with an optional
//! `posthog_url` checked by the outbound guard, or else the instance's
//! `REVOS_POSTHOG_URL`/`REVOS_POSTHOG_API_KEY`), the members' feature use that has no event
//! of its own (chat commands), and the shipper job ([`shipper`]) that carries the outbox
//! (`revos_store::analytics_outbox`) to PostHog.

pub mod shipper;

pub use shipper::ShipAnalytics;

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::analytics::exported_properties;
use revos_domain::{SecretName, TenantId, ValidationErrors};
use revos_store::analytics_outbox as store;
use serde::{Deserialize, Serialize};

/// The vault name of a workspace's own PostHog project key.
pub const POSTHOG_API_KEY: &str = "posthog_api_key";
/// The vault name of a workspace's own PostHog host (used only with its own key).
pub const POSTHOG_URL: &str = "posthog_url";
/// PostHog Cloud's (US) capture host: the instance's default, and a workspace's when it
/// gives its own key without a host.
pub const DEFAULT_POSTHOG_URL: &str = "https://us.i.posthog.com";

/// Where a workspace's events go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// The workspace's own PostHog project (its `posthog_api_key`).
    Workspace,
    /// The instance's PostHog (`REVOS_POSTHOG_API_KEY`).
    Instance,
    /// Nowhere: neither has a key, so the export cannot be turned on.
    None,
}

/// A workspace's analytics export as its admins see it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyticsSettings {
    /// Whether events are exported (off until an admin turns it on).
    pub enabled: bool,
    /// Where they go.
    pub destination: Destination,
    /// The workspace's own PostHog host, when it has its own key.
    pub url: Option<String>,
    /// The workspace's own key, masked, when it has one.
    pub api_key: Option<String>,
    /// Events waiting to be sent.
    pub pending: i64,
    /// Failed attempts since the last accepted batch.
    pub failures: i64,
    /// The last failure (class and status, never PostHog's words).
    pub last_error: Option<String>,
    /// When PostHog last accepted a batch.
    pub last_sent_at: Option<DateTime<Utc>>,
}

/// A change of the export: the fields given change, the others stay.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnalyticsUpdate {
    /// Turns the export on or off (off drops the events still waiting).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The workspace's own PostHog project key (`phc_…`); `""` removes it.
    #[serde(default)]
    pub api_key: Option<String>,
    /// The workspace's own PostHog host, e.g. `https://eu.i.posthog.com`; `""` removes it.
    #[serde(default)]
    pub url: Option<String>,
}

/// A project key: 1 to 200 visible characters without spaces.
fn check_key(key: &str) -> Result<(), ValidationErrors> {
    let ok = !key.is_empty() && key.len() <= 200 && key.chars().all(|c| c.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(ValidationErrors::single(
            "api_key",
            "must be a PostHog project key (1 to 200 characters without spaces)",
        ))
    }
}

impl App {
    /// The caller's workspace's export (owners and admins).
    pub async fn analytics_settings(&self, who: &Principal) -> Result<AnalyticsSettings> {
        who.require_admin()?;
        let own_key = self.reveal_named(who.tenant, POSTHOG_API_KEY).await?;
        let own_url = self.reveal_named(who.tenant, POSTHOG_URL).await?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let state = store::export_state(&mut tx, who.tenant).await?;
        let pending = store::backlog(&mut tx, who.tenant).await?;
        tx.commit().await?;
        let destination = match (&own_key, &self.provider_settings().posthog_key) {
            (Some(_), _) => Destination::Workspace,
            (None, Some(_)) => Destination::Instance,
            (None, None) => Destination::None,
        };
        Ok(AnalyticsSettings {
            enabled: state.enabled,
            destination,
            url: own_key
                .as_ref()
                .map(|_| own_url.unwrap_or_else(|| DEFAULT_POSTHOG_URL.to_owned())),
            api_key: own_key.as_deref().map(crate::secrets::mask),
            pending,
            failures: state.failures,
            last_error: state.last_error,
            last_sent_at: state.last_sent_at,
        })
    }

    /// Changes the caller's workspace's export (owners and admins): its own key and host
    /// (kept in the vault; the host must pass the outbound guard) and the switch, which
    /// turns on only with somewhere to send to.
    pub async fn set_analytics(
        &self,
        who: &Principal,
        update: &AnalyticsUpdate,
    ) -> Result<AnalyticsSettings> {
        who.require_admin()?;
        let key = update.api_key.as_deref().map(str::trim);
        let url = update.url.as_deref().map(str::trim);
        if let Some(key) = key.filter(|k| !k.is_empty()) {
            check_key(key)?;
        }
        if let Some(url) = url.filter(|u| !u.is_empty()) {
            self.outbound_policy()
                .check_resolved(url)
                .await
                .map_err(|e| AppError::from(ValidationErrors::single("url", e.to_string())))?;
        }
        if update.enabled == Some(true) {
            let own_key = match key {
                Some(k) => !k.is_empty(),
                None => self
                    .reveal_named(who.tenant, POSTHOG_API_KEY)
                    .await?
                    .is_some(),
            };
            if !own_key && self.provider_settings().posthog_key.is_none() {
                return Err(ValidationErrors::single(
                    "api_key",
                    "give your PostHog project key to turn analytics on (this instance has none of its own)",
                )
                .into());
            }
        }
        for (name, value) in [(POSTHOG_API_KEY, key), (POSTHOG_URL, url)] {
            match value {
                Some("") => match self.delete_secret(who, name).await {
                    Ok(()) | Err(AppError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                },
                Some(v) => {
                    self.put_secret(who, name, v).await?;
                }
                None => {}
            }
        }
        if let Some(enabled) = update.enabled {
            let mut tx = self.store.begin_for(who.tenant).await?;
            store::set_enabled(&mut tx, who.tenant, enabled, self.now()).await?;
            tx.commit().await?;
        }
        self.analytics_settings(who).await
    }

    /// Records that the caller used `feature` (a chat command, …) with these details (only
    /// their ids, codes and counts leave), for the workspace's export when it is on.
    pub async fn record_feature_use(
        &self,
        who: &Principal,
        feature: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut properties = exported_properties(&details);
        properties.insert("feature".into(), feature.into());
        let properties = serde_json::Value::Object(properties);
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::record_feature_use(&mut tx, who.tenant, who.user.0, &properties, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The plaintext of the vault secret `name` of `tenant`, if stored.
    async fn reveal_named(&self, tenant: TenantId, name: &str) -> Result<Option<String>> {
        let name = SecretName::parse("name", name)?;
        Ok(self
            .reveal_secret(tenant, &name)
            .await?
            .map(|v| v.as_str().to_owned()))
    }
}
