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

#[cfg(test)]
mod tests {
    use super::*;
    use revos_app::{MasterKey, Store, SystemClock};
    use std::sync::Arc;

    #[tokio::test]
    async fn runs_housekeeping_and_stops_on_shutdown() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let app = App::new(
            store,
            MasterKey::generate(),
            Arc::new(SystemClock),
            Default::default(),
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(run(app, Duration::from_millis(10), async move {
            let _ = rx.await;
        }));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !worker.is_finished(),
            "the loop must keep running until shutdown"
        );
        tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), worker)
            .await
            .expect("stops on shutdown")
            .unwrap();
    }
}
