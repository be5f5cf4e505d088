//! The simulated-clock driver: runs what is due, then moves a [`SimulatedClock`] straight to
//! the next due job or cron slot, for tests and `revos demo`, which run days of work in
//! seconds. Production uses [`Runner::run`].

use super::{Finished, Runner};
use crate::QueueError;
use chrono::{DateTime, Utc};
use revos_domain::{Clock, SimulatedClock};
use revos_store::jobs;
use std::future::Future;
use std::sync::Arc;

impl<C: Clone + Send + Sync + 'static> Runner<C> {
    /// Runs every job that is due now, and everything those jobs make due now, then returns
    /// how many attempts ran. Fires due cron slots first. For tests and simulated runs, which
    /// move the clock themselves; production uses [`Runner::run`].
    pub async fn run_due(&self) -> Result<usize, QueueError> {
        let inner = &self.inner;
        let mut total = 0;
        loop {
            let now = inner.clock.now();
            for cron in &inner.crons {
                cron.tick(&inner.store, now).await?;
            }
            let mut ran = 0;
            let due = {
                let mut tx = inner.store.begin_system().await?;
                jobs::due_queues(&mut tx, now).await?
            };
            for (queue, concurrency) in inner.queue_plan() {
                if !due.contains(&queue) {
                    continue;
                }
                let claimed = inner.claim(&queue, concurrency.max(1)).await?;
                ran += claimed.len();
                let queue: Arc<str> = Arc::from(queue.as_str());
                let runs = claimed.into_iter().map(|job| {
                    let inner = Arc::clone(inner);
                    let queue = Arc::clone(&queue);
                    async move {
                        let started = std::time::Instant::now();
                        let result = inner.execute(&job).await;
                        Finished {
                            job,
                            queue,
                            result,
                            took: started.elapsed(),
                        }
                    }
                });
                let finished = futures_join_all(runs).await;
                inner.finish(finished).await?;
            }
            if ran == 0 {
                return Ok(total);
            }
            total += ran;
        }
    }

    /// Runs a simulated stretch of time: runs what is due, moves `clock` to the next due job
    /// or cron slot, and repeats until that would pass `end`. Returns how many attempts ran.
    pub async fn run_simulated_until(
        &self,
        clock: &SimulatedClock,
        end: DateTime<Utc>,
    ) -> Result<usize, QueueError> {
        let mut total = 0;
        loop {
            total += self.run_due().await?;
            let now = clock.now();
            let mut tx = self.inner.store.begin_system().await?;
            let served: Vec<String> = self
                .inner
                .queue_plan()
                .into_iter()
                .map(|(q, _)| q)
                .collect();
            let waiting = jobs::earliest_waiting_per_queue(&mut tx)
                .await?
                .into_iter()
                .filter(|(queue, _)| served.contains(queue))
                .map(|(_, at)| at)
                .min();
            drop(tx);
            let next_cron = self.inner.crons.iter().map(|c| c.next_slot(now)).min();
            let next = [
                waiting.map(|w| w.max(now + chrono::Duration::milliseconds(1))),
                next_cron,
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(t) if t <= end => clock.advance_to(t),
                _ => {
                    clock.advance_to(end);
                    return Ok(total);
                }
            }
        }
    }
}

/// Joins futures without pulling in a futures crate: spawn-free, polled in order.
async fn futures_join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    for h in handles {
        out.push(h.await);
    }
    out
}
