//! `revos worker`: background work only, for scale-out beside `revos serve`.

use super::stop::StopSignal;
use crate::config::Settings;

/// Runs until SIGINT or SIGTERM, then stops within the grace period (see [`super::stop`]).
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let stop = StopSignal::install(settings.shutdown_grace)?;
    let app = super::open_app(&settings).await?;
    let mut state = revos_web::AppState::new(app.clone());
    state.metrics_token = settings.metrics_token.clone().map(std::sync::Arc::new);
    super::spawn_metrics_listener(&settings, state, stop.clone()).await?;
    revos_workers::runner(&app, settings.runner_config())
        .run(stop.requested())
        .await?;
    super::close_app(&app).await;
    Ok(())
}
