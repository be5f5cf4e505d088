//! Which provider serves a tenant: the tenant's own key from the vault first, then the
//! instance's configured key, and the sandbox when neither exists, so RevOS runs with no
//! account anywhere and says so.

use crate::{App, Result};
use revos_domain::{SecretName, TenantId};
use revos_providers::apollo::Apollo;
use revos_providers::sandbox::Sandbox;
use revos_providers::{Enricher, HttpConfig};
use secrecy::SecretString;
use std::sync::Arc;

/// Instance-wide provider configuration (`REVOS_APOLLO_URL`, `REVOS_APOLLO_API_KEY`, …).
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// Apollo's API base URL.
    pub apollo_url: String,
    /// Apollo key used for tenants without their own.
    pub apollo_key: Option<SecretString>,
    /// Seed of the sandbox world.
    pub sandbox_seed: u64,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            apollo_url: "https://api.apollo.io/api/v1".into(),
            apollo_key: None,
            sandbox_seed: 1,
        }
    }
}

/// The providers an [`App`] hands out.
pub struct Providers {
    settings: ProviderSettings,
    sandbox: Arc<Sandbox>,
}

impl Providers {
    /// Providers from `settings`, with a sandbox world on `clock`.
    pub fn new(settings: ProviderSettings, clock: Arc<dyn revos_domain::Clock>) -> Self {
        let sandbox = Arc::new(Sandbox::new(
            settings.sandbox_seed,
            clock,
            vec!["GUIDE".into()],
        ));
        Self { settings, sandbox }
    }
}

/// The vault name of a tenant's Apollo key.
pub const APOLLO_KEY: &str = "apollo_api_key";

impl App {
    /// The enricher for `tenant`: its own Apollo key, the instance's, or the sandbox.
    pub async fn enricher(&self, tenant: TenantId) -> Result<Arc<dyn Enricher>> {
        let name = SecretName::parse("name", APOLLO_KEY)?;
        let key = match self.reveal_secret(tenant, &name).await? {
            Some(own) => Some(SecretString::from(own.as_str().to_owned())),
            None => self.providers.settings.apollo_key.clone(),
        };
        Ok(match key {
            Some(key) => Arc::new(Apollo::new(HttpConfig::new(
                &self.providers.settings.apollo_url,
                key,
            ))),
            None => Arc::clone(&self.providers.sandbox) as Arc<dyn Enricher>,
        })
    }
}
