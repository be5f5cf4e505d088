//! One module per subcommand.

pub mod admin;
pub mod backup;
pub mod bench;
pub mod bench_pipeline;
pub mod cartridge;
pub mod demo;
pub mod jobs;
pub mod mcp;
pub mod migrate;
pub mod restore;
pub mod serve;
pub mod stop;
pub mod worker;
pub mod workspace;

use crate::config::Settings;
use anyhow::Context;
use revos_app::{App, Store, SystemClock};
use std::sync::Arc;

/// Opens the configured database (creating the data directory for SQLite) and migrates it.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let url = match &settings.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&settings.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    settings.data_dir.display()
                )
            })?;
            revos_store::sqlite_url_in(&settings.data_dir)
        }
    };
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    Ok(store)
}

/// Opens the store and the master key and assembles the application services.
pub async fn open_app(settings: &Settings) -> anyhow::Result<App> {
    let store = open_store(settings).await?;
    let (key, _) = crate::master_key::load_or_generate(settings)?;
    let providers = provider_settings(settings);
    let app_settings = revos_app::Settings {
        signup: settings.signup,
        ..Default::default()
    };
    let files = revos_app::files::FileStorage::open(&settings.storage, &settings.data_dir)
        .context("cannot open the file storage (REVOS_STORAGE_URL)")?;
    let app = App::new(store, key, Arc::new(SystemClock), app_settings)
        .with_providers(providers)
        .with_file_storage(files);
    crate::config::check_mcp_urls(&settings.mcp_servers, app.outbound_policy())?;
    Ok(app)
}

/// The provider settings of `settings`: configured URLs and keys over the public defaults.
pub fn provider_settings(settings: &Settings) -> revos_app::providers::ProviderSettings {
    let mut p = revos_app::providers::ProviderSettings::default();
    if let Some(url) = &settings.apollo.url {
        p.apollo_url = url.clone();
    }
    p.apollo_key = settings.apollo.api_key.clone();
    p.unipile_url = settings.unipile.url.clone();
    p.unipile_key = settings.unipile.api_key.clone();
    if let Some(url) = &settings.instantly.url {
        p.instantly_url = url.clone();
    }
    p.instantly_key = settings.instantly.api_key.clone();
    if let Some(url) = &settings.smartlead.url {
        p.smartlead_url = url.clone();
    }
    p.smartlead_key = settings.smartlead.api_key.clone();
    if let Some(url) = &settings.posthog.url {
        p.posthog_url = url.clone();
    }
    p.posthog_key = settings.posthog.api_key.clone();
    // Every value was checked when the settings were read; with neither a script URL nor a
    // snippet there is none.
    p.web_analytics = revos_domain::web_analytics::WebAnalytics::from_parts(
        settings.web_analytics_script_url.as_deref(),
        settings.web_analytics_snippet.as_deref(),
        &settings.web_analytics_origins,
    )
    .ok();
    p.webhook_secret = settings.webhook_secret.clone();
    p.public_url = settings.public_url.clone();
    p.llm.url = settings.openai.url.clone();
    p.llm.api_key = settings.openai.api_key.clone();
    if let Some(model) = &settings.openai_model {
        p.llm.model = model.clone();
    }
    if let Some(model) = &settings.embedding_model {
        p.llm.embedding_model = model.clone();
    }
    if let Some(model) = &settings.image_model {
        p.llm.image_model = model.clone();
    }
    p.llm.prices = p.llm.prices.with_overrides(settings.llm_prices.clone());
    if let Some(budget) = settings.llm_workspace_budget_usd {
        p.llm.workspace_budget_usd = budget;
    }
    p.outbound = revos_app::providers::OutboundPolicy::new(settings.allow_private_urls.clone());
    p.mcp_servers = settings.mcp_servers.clone();
    p.alert_slack_webhook_url = settings.alert_slack_webhook_url.clone();
    p
}

/// Serves `/metrics` on `REVOS_METRICS_LISTEN` when it is set, until `stop` is requested.
pub async fn spawn_metrics_listener(
    settings: &Settings,
    state: revos_web::AppState,
    stop: stop::StopSignal,
) -> anyhow::Result<()> {
    let Some(addr) = settings.metrics_listen else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (REVOS_METRICS_LISTEN)"))?;
    tracing::info!(%addr, "metrics on http://{addr}/metrics");
    tokio::spawn(async move {
        let shutdown = async move { stop.requested().await };
        if let Err(e) = revos_web::serve_metrics(listener, state, shutdown).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    Ok(())
}

/// Closes the database pool at the end of `serve` or `worker`, waiting at most a second for
/// connections still out (a cut-off task that has not unwound yet).
pub async fn close_app(app: &App) {
    if tokio::time::timeout(std::time::Duration::from_secs(1), app.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still in use at exit");
    }
}
