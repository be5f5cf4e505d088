//! `revos worker`: background work only, for scale-out beside `revos serve`.

use crate::config::Settings;
use crate::master_key;
use revos_app::{App, SystemClock};
use std::sync::Arc;

/// Runs until SIGINT or SIGTERM.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let store = super::open_store(&settings).await?;
    let (key, _) = master_key::load_or_generate(&settings)?;
    let app = App::new(
        store.clone(),
        key,
        Arc::new(SystemClock),
        Default::default(),
    );
    revos_workers::run(
        app,
        revos_workers::HOUSEKEEPING_PERIOD,
        super::shutdown_signal(),
    )
    .await;
    store.close().await;
    Ok(())
}
