//! The health of the instance's own provider keys (`REVOS_APOLLO_API_KEY`,
//! `REVOS_UNIPILE_API_KEY`, …) as this process saw them: how many calls in a row each key's
//! provider refused (401/403) since its last success. Every workspace without its own key
//! relies on these, so a refused instance key is an operator alert. Each worker publishes
//! this with its heartbeat; the alert check reads all of them.

use chrono::{DateTime, Utc};
use revos_domain::Clock;
use revos_providers::ErrorClass;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// How one instance key fared in one process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyState {
    /// Calls refused (401/403) in a row since the last success.
    pub refused_in_a_row: u32,
    /// When a call was last refused.
    pub last_refused: Option<DateTime<Utc>>,
    /// When a call last succeeded.
    pub last_ok: Option<DateTime<Utc>>,
}

/// What a worker publishes with its heartbeat.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WorkerStatus {
    /// Per provider, how its instance key fared.
    #[serde(default)]
    pub instance_keys: BTreeMap<String, KeyState>,
}

/// The per-provider watch of one process.
pub(crate) struct KeyHealth {
    clock: Arc<dyn Clock>,
    keys: Mutex<BTreeMap<&'static str, KeyState>>,
}

impl KeyHealth {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            keys: Mutex::default(),
        }
    }

    /// A call with `provider`'s instance key ended, failing with `error` or not.
    pub(crate) fn record(&self, provider: &'static str, error: Option<ErrorClass>) {
        let now = self.clock.now();
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let state = keys.entry(provider).or_default();
        match error {
            None => {
                state.refused_in_a_row = 0;
                state.last_ok = Some(now);
            }
            Some(ErrorClass::Unauthorized) => {
                state.refused_in_a_row = state.refused_in_a_row.saturating_add(1);
                state.last_refused = Some(now);
            }
            // Outages and limits say nothing about the key.
            Some(_) => {}
        }
    }

    /// This process's status as published with its heartbeat (JSON).
    pub(crate) fn status_json(&self) -> String {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let status = WorkerStatus {
            instance_keys: keys
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        };
        serde_json::to_string(&status).unwrap_or_else(|_| "{}".to_owned())
    }
}
