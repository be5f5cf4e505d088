//! One module per subcommand.

pub mod admin;
pub mod bench;
pub mod cartridge;
pub mod demo;
pub mod jobs;
pub mod mcp;
pub mod migrate;
pub mod serve;
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
    Ok(App::new(store, key, Arc::new(SystemClock), app_settings).with_providers(providers))
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
    p.llm.prices = p.llm.prices.with_overrides(settings.llm_prices.clone());
    p
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested");
}
