//! Background work that runs beside the API (`revos serve`) or alone (`revos worker`).
//! For now that is housekeeping on a fixed period; the durable job queue joins it here.

use revos_app::App;
use std::future::Future;
use std::time::Duration;

/// How often housekeeping runs.
pub const HOUSEKEEPING_PERIOD: Duration = Duration::from_secs(300);

/// Runs housekeeping at once and then every `period` until `shutdown` completes. A failed
/// round is logged and retried next period; it never stops the loop.
pub async fn run(app: App, period: Duration, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(period_s = period.as_secs(), "worker started");
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticker.tick() => housekeeping(&app).await,
        }
    }
    tracing::info!("worker stopped");
}

async fn housekeeping(app: &App) {
    match app.purge_expired_sessions().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "purged expired sessions"),
        Err(e) => tracing::warn!(error = %e, "housekeeping failed; will retry"),
    }
}
