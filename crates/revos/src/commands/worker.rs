//! `revos worker`: background work only, for scale-out beside `revos serve`.

use crate::config::Settings;

/// Runs until SIGINT or SIGTERM.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let app = super::open_app(&settings).await?;
    let store = app.store.clone();
    revos_workers::run(
        app,
        revos_workers::HOUSEKEEPING_PERIOD,
        super::shutdown_signal(),
    )
    .await;
    store.close().await;
    Ok(())
}
