//! `revos worker`: background work only, for scale-out beside `revos serve`.

use crate::config::Settings;

/// Runs until SIGINT or SIGTERM.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let app = super::open_app(&settings).await?;
    let store = app.store.clone();
    revos_workers::runner(&app, settings.runner_config())
        .run(super::shutdown_signal())
        .await?;
    store.close().await;
    Ok(())
}
