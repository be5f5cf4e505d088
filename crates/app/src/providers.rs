//! Which provider serves a tenant: the tenant's own key from the vault first, then the
//! instance's configured key, and the sandbox when neither exists, so RevOS runs with no
//! account anywhere and says so.

use crate::{App, Result};
use revos_domain::{SecretName, TenantId};
use revos_providers::apollo::Apollo;
pub use revos_providers::outbound::{OutboundPolicy, PrivateUrls};
use revos_providers::sandbox::Sandbox;
use revos_providers::unipile::Unipile;
use revos_providers::{Enricher, HttpConfig, LinkedIn};
use secrecy::SecretString;
use std::sync::Arc;

/// Instance-wide provider configuration (`REVOS_APOLLO_URL`, `REVOS_APOLLO_API_KEY`, …).
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// Apollo's API base URL.
    pub apollo_url: String,
    /// Apollo key used for tenants without their own.
    pub apollo_key: Option<SecretString>,
    /// Unipile's API base URL (`https://{DSN}/api/v1`), when configured.
    pub unipile_url: Option<String>,
    /// Unipile key used for tenants without their own.
    pub unipile_key: Option<SecretString>,
    /// Instantly's API base URL.
    pub instantly_url: String,
    /// Instantly key used for tenants without their own.
    pub instantly_key: Option<SecretString>,
    /// Smartlead's API base URL.
    pub smartlead_url: String,
    /// Smartlead key used for tenants without their own.
    pub smartlead_key: Option<SecretString>,
    /// Where providers reach this instance (`REVOS_PUBLIC_URL`), for notify URLs.
    pub public_url: Option<String>,
    /// The instance's PostHog host (`REVOS_POSTHOG_URL`), for workspaces exporting analytics
    /// without a project of their own.
    pub posthog_url: String,
    /// The instance's PostHog project key (`REVOS_POSTHOG_API_KEY`); none means a workspace
    /// needs its own key to export analytics.
    pub posthog_key: Option<SecretString>,
    /// The operator's web analytics snippet on the app's pages (`REVOS_WEB_ANALYTICS_SCRIPT_URL`
    /// and the origins it talks to), or none.
    pub web_analytics: Option<revos_domain::web_analytics::WebAnalytics>,
    /// The secret every provider webhook must present (`REVOS_WEBHOOK_SECRET`); webhooks
    /// are refused while it is unset.
    pub webhook_secret: Option<SecretString>,
    /// Per-request timeout of every provider client.
    pub timeout: std::time::Duration,
    /// Seed of the sandbox world.
    pub sandbox_seed: u64,
    /// The language model (`REVOS_OPENAI_*`); none configured means offline mode.
    pub llm: crate::llm::LlmSettings,
    /// The guard of every URL a workspace sets (`REVOS_ALLOW_PRIVATE_URLS`).
    pub outbound: OutboundPolicy,
    /// The external MCP servers the operator declared (`[mcp_servers.NAME]` in revos.toml):
    /// the only ones a cartridge may name.
    pub mcp_servers: Vec<revos_domain::mcp_servers::McpServer>,
    /// The operator's Slack incoming webhook for operator alerts
    /// (`REVOS_ALERT_SLACK_WEBHOOK_URL`); none means no alerts are sent. The operator's own
    /// URL, trusted like `REVOS_OPENAI_URL`.
    pub alert_slack_webhook_url: Option<SecretString>,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        Self {
            apollo_url: "https://api.apollo.io/api/v1".into(),
            apollo_key: None,
            unipile_url: None,
            unipile_key: None,
            instantly_url: "https://api.instantly.ai/api/v2".into(),
            instantly_key: None,
            smartlead_url: "https://server.smartlead.ai/api/v1".into(),
            smartlead_key: None,
            posthog_url: crate::analytics::DEFAULT_POSTHOG_URL.into(),
            posthog_key: None,
            web_analytics: None,
            webhook_secret: None,
            public_url: None,
            timeout: std::time::Duration::from_secs(20),
            sandbox_seed: 1,
            llm: Default::default(),
            outbound: OutboundPolicy::default(),
            mcp_servers: Vec::new(),
            alert_slack_webhook_url: None,
        }
    }
}

/// The providers an [`App`] hands out.
pub struct Providers {
    settings: ProviderSettings,
    sandbox: Arc<Sandbox>,
    /// The one connection pool of every Apollo, Unipile, Instantly and Smartlead client this
    /// instance builds (one per job), so jobs reuse connections instead of each opening its
    /// own. Built at the first provider call (an instance on the sandbox never needs it);
    /// timeouts are per request ([`ProviderSettings::timeout`]).
    http: std::sync::OnceLock<reqwest::Client>,
}

impl Providers {
    /// Providers from `settings`, with a sandbox world on `clock`.
    pub fn new(settings: ProviderSettings, clock: Arc<dyn revos_domain::Clock>) -> Self {
        let sandbox = Arc::new(Sandbox::new(
            settings.sandbox_seed,
            clock,
            vec!["GUIDE".into()],
        ));
        Self {
            settings,
            sandbox,
            http: std::sync::OnceLock::new(),
        }
    }
}

/// The vault name of a tenant's Apollo key.
pub const APOLLO_KEY: &str = "apollo_api_key";
/// The vault name of a tenant's Unipile key.
pub const UNIPILE_KEY: &str = "unipile_api_key";

impl App {
    /// A key from the tenant's vault, or else the instance's.
    pub(crate) async fn provider_key(
        &self,
        tenant: TenantId,
        vault_name: &str,
        instance: Option<&SecretString>,
    ) -> Result<Option<SecretString>> {
        let name = SecretName::parse("name", vault_name)?;
        Ok(match self.reveal_secret(tenant, &name).await? {
            Some(own) => Some(SecretString::from(own.as_str().to_owned())),
            None => instance.cloned(),
        })
    }

    /// The configuration of a provider client at `url` with `key`, over the instance's one
    /// shared connection pool.
    pub(crate) fn http(&self, url: &str, key: SecretString) -> HttpConfig {
        let mut config = HttpConfig::with_client(
            url,
            key,
            self.providers
                .http
                .get_or_init(reqwest::Client::new)
                .clone(),
        );
        config.timeout = self.providers.settings.timeout;
        config.instance_key = self.is_instance_key(&config.api_key);
        config.observer = Some(self.call_observer());
        config
    }

    /// The instance's one shared connection pool, for clients built outside this module
    /// (the operator's PostHog).
    pub(crate) fn shared_http(&self) -> reqwest::Client {
        self.providers
            .http
            .get_or_init(reqwest::Client::new)
            .clone()
    }

    /// The operator's web analytics snippet, when one is configured.
    pub fn web_analytics(&self) -> Option<&revos_domain::web_analytics::WebAnalytics> {
        self.providers.settings.web_analytics.as_ref()
    }

    /// Whether `key` is one of the instance's own provider keys (a workspace that stored the
    /// same key relies on it just the same).
    fn is_instance_key(&self, key: &SecretString) -> bool {
        use secrecy::ExposeSecret;
        let s = &self.providers.settings;
        [
            &s.apollo_key,
            &s.unipile_key,
            &s.instantly_key,
            &s.smartlead_key,
        ]
        .into_iter()
        .flatten()
        .any(|own| own.expose_secret() == key.expose_secret())
    }

    /// The instance's provider settings.
    pub(crate) fn provider_settings(&self) -> &ProviderSettings {
        &self.providers.settings
    }

    /// The one outbound-URL guard of this instance, for every URL a workspace sets (its model
    /// URL, external MCP HTTP servers): check it when the URL is saved
    /// ([`OutboundPolicy::check_resolved`]) and build its clients with
    /// [`OutboundPolicy::client_builder`].
    pub fn outbound_policy(&self) -> &OutboundPolicy {
        &self.providers.settings.outbound
    }

    /// The per-request timeout of provider clients (`ProviderSettings::timeout`), for clients
    /// built outside this module (the Slack webhook).
    pub(crate) fn provider_timeout(&self) -> std::time::Duration {
        self.providers.settings.timeout
    }

    /// Whether the operator serves this instance over https (`REVOS_PUBLIC_URL` starts with
    /// `https://`): then browsers are told to use nothing else (HSTS).
    pub fn served_over_https(&self) -> bool {
        self.providers
            .settings
            .public_url
            .as_deref()
            .is_some_and(|u| {
                u.get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            })
    }

    /// The simulated world every sandbox account, enrichment and sequence lives in.
    pub fn sandbox(&self) -> Arc<Sandbox> {
        Arc::clone(&self.providers.sandbox)
    }

    /// Whether `presented` is the instance's webhook secret (compared in constant time).
    pub fn webhook_secret_matches(&self, presented: &str) -> bool {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        self.providers
            .settings
            .webhook_secret
            .as_ref()
            .is_some_and(|s| bool::from(s.expose_secret().as_bytes().ct_eq(presented.as_bytes())))
    }

    /// The enricher for `tenant`: its own Apollo key, the instance's, or the sandbox.
    pub async fn enricher(&self, tenant: TenantId) -> Result<Arc<dyn Enricher>> {
        let settings = &self.providers.settings;
        Ok(
            match self
                .provider_key(tenant, APOLLO_KEY, settings.apollo_key.as_ref())
                .await?
            {
                Some(key) => Arc::new(Apollo::new(self.http(&settings.apollo_url, key))),
                None => Arc::clone(&self.providers.sandbox) as Arc<dyn Enricher>,
            },
        )
    }

    /// LinkedIn for an account of `tenant`: the sandbox for sandbox accounts, otherwise
    /// Unipile with the tenant's key or the instance's.
    pub async fn linkedin_for(
        &self,
        tenant: TenantId,
        provider: &str,
    ) -> Result<Arc<dyn LinkedIn>> {
        if provider == "sandbox" {
            return Ok(Arc::clone(&self.providers.sandbox) as Arc<dyn LinkedIn>);
        }
        Ok(Arc::new(self.unipile(tenant).await?))
    }

    /// The Unipile client of `tenant`: its own key or the instance's.
    pub async fn unipile(&self, tenant: TenantId) -> Result<Unipile> {
        let settings = &self.providers.settings;
        let key = self
            .provider_key(tenant, UNIPILE_KEY, settings.unipile_key.as_ref())
            .await?;
        match (&settings.unipile_url, key) {
            (Some(url), Some(key)) => Ok(Unipile::new(self.http(url, key))),
            _ => Err(crate::AppError::Conflict(
                "Unipile is not configured: set REVOS_UNIPILE_URL and a key (REVOS_UNIPILE_API_KEY or the unipile_api_key secret)"
                    .into(),
            )),
        }
    }
}
