//! `revos serve`: the API and the workers in one process.

use super::stop::StopSignal;
use crate::config::Settings;
use anyhow::Context;

/// Runs until SIGINT or SIGTERM, then stops within the grace period (see [`super::stop`]).
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let stop = StopSignal::install(settings.shutdown_grace)?;
    let app = super::open_app(&settings).await?;
    let store = app.store.clone();
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = ?store.backend(), "RevOS listening on http://{addr}");

    let runner = revos_workers::runner(&app, settings.runner_config());
    let worker = tokio::spawn(runner.run(stop.clone().requested()));
    let agents = revos_agents::Agents::new(app);
    let mut state = revos_web::AppState::for_agents(agents);
    state.request_timeout = settings.request_timeout;
    state.shutdown_grace = settings.shutdown_grace;
    state.trusted_proxies = std::sync::Arc::new(settings.trusted_proxies.clone());
    let http = tokio::spawn(revos_web::serve(listener, state, stop.requested()));
    http.await.context("the HTTP server task failed")??;
    worker.await.context("the worker task failed")??;
    super::close_store(store).await;
    tracing::info!("stopped");
    Ok(())
}
