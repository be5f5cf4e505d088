//! `revos serve`: the API and the workers in one process.

use crate::config::Settings;
use anyhow::Context;
use tokio::sync::watch;

/// Runs until SIGINT or SIGTERM.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let app = super::open_app(&settings).await?;
    let store = app.store.clone();
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = ?store.backend(), "RevOS listening on http://{addr}");

    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let runner = revos_workers::runner(&app, settings.runner_config());
    let worker = tokio::spawn(runner.run(stopped(stop_rx.clone())));
    let mut state = revos_web::AppState::new(app);
    state.trusted_proxies = std::sync::Arc::new(settings.trusted_proxies.clone());
    let http = tokio::spawn(revos_web::serve(listener, state, stopped(stop_rx)));
    super::shutdown_signal().await;
    let _ = stop_tx.send(true);
    http.await.context("the HTTP server task failed")??;
    worker.await.context("the worker task failed")??;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
