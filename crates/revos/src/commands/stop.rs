//! How `serve` and `worker` hear that they must stop, and the promise that they then do.
//!
//! SIGINT and SIGTERM are heard on a thread of its own with its own small runtime, so a stop
//! is noticed even when every async worker of the main runtime is busy. From the signal on,
//! the command has its grace period (`REVOS_SHUTDOWN_GRACE_SECONDS`) to let requests and jobs
//! in flight finish, then cuts off what still runs (their futures are dropped, so their
//! transactions roll back), releases the jobs and exits 0. Should that fail too (work that
//! never yields to the runtime), the signal thread ends the process [`STOP_MARGIN`] after the
//! grace period, with exit code 1.

use anyhow::Context;
use std::time::Duration;
use tokio::sync::watch;

/// How long after the grace period the process is ended whatever it is doing.
pub const STOP_MARGIN: Duration = Duration::from_secs(4);

/// The stop request of a long-running command; clones wait for the same request.
#[derive(Clone)]
pub struct StopSignal {
    requested: watch::Receiver<bool>,
    grace: Duration,
}

impl StopSignal {
    /// Starts listening for SIGINT and SIGTERM (listening from when this returns). After a
    /// signal the process has `grace` plus [`STOP_MARGIN`] to end by itself.
    pub fn install(grace: Duration) -> anyhow::Result<Self> {
        let (tx, rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("revos-stop".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let signals = {
                    let _in_runtime = runtime.enter();
                    Signals::listen()
                };
                let signals = match signals {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                runtime.block_on(signals.received());
                tracing::info!(
                    grace_seconds = grace.as_secs_f64(),
                    "shutdown requested; stopping within the grace period"
                );
                let _ = tx.send(true);
                std::thread::sleep(grace + STOP_MARGIN);
                tracing::error!("still running {STOP_MARGIN:?} after the grace period; exiting");
                eprintln!(
                    "error: revos did not stop within its grace period ({grace:?}) and {STOP_MARGIN:?}; exiting"
                );
                std::process::exit(1);
            })
            .context("cannot start the signal thread")?;
        ready_rx
            .recv()
            .context("the signal thread ended")?
            .context("cannot listen for SIGINT and SIGTERM")?;
        Ok(Self {
            requested: rx,
            grace,
        })
    }

    /// Completes when a stop was requested.
    pub async fn requested(mut self) {
        let _ = self.requested.wait_for(|stop| *stop).await;
    }

    /// Whether a stop was requested: a part of `serve` ending then is the shutdown, not a
    /// failure.
    pub fn is_requested(&self) -> bool {
        *self.requested.borrow()
    }

    /// How long the command has, from a stop request, to let work in flight finish.
    pub fn grace(&self) -> Duration {
        self.grace
    }
}

/// The signals that ask for a stop.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn listen() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn received(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
    }
}

/// Ctrl-C asks for a stop.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn received(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
