//! `revos serve`: the API and the workers in one process, supervised together.
//!
//! Both parts run until SIGINT or SIGTERM and then stop within the grace period (see
//! [`super::stop`]). Should either stop by itself (return, fail or panic) the other is asked
//! to stop the same way, and the process exits non-zero with one line naming the part that
//! stopped and why, e.g. `error: the workers stopped: no heartbeat for 60s, …`.

use super::stop::StopSignal;
use crate::config::Settings;
use anyhow::Context;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinHandle};

/// One of the two parts of `serve`, named as the exit line names it.
type Part = (&'static str, JoinHandle<anyhow::Result<()>>);

/// Runs until SIGINT or SIGTERM, or until the web server or the workers stop by themselves.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let stop = StopSignal::install(settings.shutdown_grace)?;
    // The port first: a busy one fails before anything is written (no master key, no
    // database file).
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let app = super::open_app(&settings).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = ?app.backend(), "RevOS listening on http://{addr}");

    // Set when one part stopped by itself: the other then stops as on a signal.
    let (part_stopped, parts_stop) = watch::channel(false);
    let runner = revos_workers::runner(&app, settings.runner_config());
    // The worker is alive before /readyz can be asked.
    if let Err(e) = runner.heartbeat_now().await {
        tracing::warn!(error = %e, "first heartbeat failed");
    }
    let worker_stop = until(stop.clone(), parts_stop.clone());
    let worker = tokio::spawn(async move { Ok(runner.run(worker_stop).await?) });
    let agents = revos_agents::Agents::new(app.clone());
    let mut state = revos_web::AppState::for_agents(agents);
    state.request_timeout = settings.request_timeout;
    state.shutdown_grace = settings.shutdown_grace;
    state.trusted_proxies = std::sync::Arc::new(settings.trusted_proxies.clone());
    state.metrics_token = settings.metrics_token.clone().map(std::sync::Arc::new);
    // Ready only while a worker renews its heartbeat within the job lease.
    state.workers_alive_within = Some(settings.runner_config().lease);
    super::spawn_metrics_listener(&settings, state.clone(), stop.clone()).await?;
    let web_stop = until(stop.clone(), parts_stop);
    let web = tokio::spawn(async move { Ok(revos_web::serve(listener, state, web_stop).await?) });

    let outcome = supervise(
        ("the web server", web),
        ("the workers", worker),
        &stop,
        || {
            let _ = part_stopped.send(true);
        },
    )
    .await;
    super::close_app(&app).await;
    outcome?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on a stop request or when a part stopped by itself.
async fn until(stop: StopSignal, mut part_stopped: watch::Receiver<bool>) {
    tokio::select! {
        () = stop.requested() => {}
        _ = part_stopped.wait_for(|stopped| *stopped) => {}
    }
}

/// Waits for the first part to end. After a stop request, a part ending cleanly is the
/// graceful shutdown: the other is awaited too. Otherwise the first part stopped by itself:
/// `stop_other` asks the other to stop, it gets the grace period, and the error names the
/// part that stopped and why.
async fn supervise(
    mut a: Part,
    mut b: Part,
    stop: &StopSignal,
    stop_other: impl FnOnce(),
) -> anyhow::Result<()> {
    let a_ended = tokio::select! {
        ended = &mut a.1 => Ok(ended),
        ended = &mut b.1 => Err(ended),
    };
    let (first, ended, (other_name, other)) = match a_ended {
        Ok(ended) => (a.0, ended, b),
        Err(ended) => (b.0, ended, a),
    };
    if stop.is_requested() && matches!(ended, Ok(Ok(()))) {
        return other
            .await
            .with_context(|| format!("{other_name} failed"))?
            .with_context(|| format!("{other_name} failed"));
    }
    let why = match ended {
        Ok(Ok(())) => "it returned without being asked to stop".to_owned(),
        Ok(Err(e)) => format!("{e:#}"),
        Err(e) => panic_or_cancel(e),
    };
    tracing::error!(part = first, reason = %why, "stopped by itself; stopping {other_name}");
    stop_other();
    let _ = tokio::time::timeout(stop.grace() + std::time::Duration::from_secs(1), other).await;
    anyhow::bail!("{first} stopped: {why}")
}

/// Why a task ended without a result: its panic message, or its cancellation.
fn panic_or_cancel(e: JoinError) -> String {
    match e.try_into_panic() {
        Ok(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            format!("it panicked: {msg}")
        }
        Err(e) => format!("its task ended: {e}"),
    }
}
