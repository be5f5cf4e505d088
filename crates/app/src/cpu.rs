//! CPU-heavy work of requests and jobs (password hashing, style statistics, similarity
//! ranking), run off the async workers on at most as many blocking threads as the machine has
//! cores, holding no database connection or lock. Async workers that never stall are what
//! lets a timed-out request be dropped and a stop signal be heard; the bound keeps a flood of
//! log-ins from starting hundreds of 19 MiB Argon2 hashes at once. A caller that goes away
//! (a request past its timeout) stops waiting at once; the bounded piece of work it started
//! finishes by itself and its result is dropped.

use crate::{AppError, Result};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// Turns on the CPU pool, one per core (at least two).
fn turns() -> Arc<Semaphore> {
    static TURNS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    Arc::clone(TURNS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Arc::new(Semaphore::new(cores.max(2)))
    }))
}

/// Runs `work` on the CPU pool once a turn is free, and returns its result.
pub(crate) async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let turn = turns()
        .acquire_owned()
        .await
        .map_err(|_| AppError::Internal("the CPU pool is closed".into()))?;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    })
    .await
    .map_err(|e| AppError::Internal(format!("a CPU task failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// However many callers ask at once, no more pieces of work run together than there are
    /// turns.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_one_piece_of_work_per_turn_runs_at_once() {
        let limit = turns().available_permits();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..limit * 4)
            .map(|_| {
                let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= limit, "{most} ran at once, limit {limit}");
    }
}
