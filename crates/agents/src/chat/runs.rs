//! The chat runs in progress in this process, by session: one run per session at a time, each
//! cancellable on its own, and all of them at once when the server stops.

use super::events::ChatEvent;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A run that has started: its events, and the token that cancels it.
pub struct ChatRunHandle {
    /// Events in order; `done` is the last.
    pub events: mpsc::Receiver<ChatEvent>,
    /// Cancels the run (dropping `events` does too).
    pub cancel: CancellationToken,
}

/// The runs in progress in this process, by session: one run per session at a time. Every
/// run's token is a child of one process-wide token, so that shutdown cancels them all,
/// including runs that start while the server stops.
#[derive(Default)]
pub(crate) struct ChatRuns {
    runs: Mutex<HashMap<Uuid, CancellationToken>>,
    stopping: CancellationToken,
}

impl ChatRuns {
    /// The token of a new run of `session`; `None` while one is in progress.
    pub(crate) fn start(&self, session: Uuid) -> Option<CancellationToken> {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        if runs.contains_key(&session) {
            return None;
        }
        let token = self.stopping.child_token();
        runs.insert(session, token.clone());
        Some(token)
    }

    /// Forgets the run of `session`, which has ended.
    pub(crate) fn finish(&self, session: Uuid) {
        self.runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&session);
    }

    /// Cancels the run of `session`; false when none is in progress.
    pub(crate) fn cancel(&self, session: Uuid) -> bool {
        match self
            .runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&session)
        {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels every run, now and from now on.
    pub(crate) fn stop_all(&self) {
        self.stopping.cancel();
    }
}
