//! The life of a background job in the queue: waiting (`scheduled`, `retrying`), `running`
//! under a worker's lease, and finished (`succeeded`, `dead`, `cancelled`). The store writes
//! these; the operator API lists and filters by them.

use crate::stored_name::stored_names;
use serde::{Deserialize, Serialize};

/// Where a job is in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for its `run_at`.
    Scheduled,
    /// A worker holds it.
    Running,
    /// Failed and waiting for another attempt.
    Retrying,
    /// Done.
    Succeeded,
    /// Out of attempts (or failed permanently); kept with its last error.
    Dead,
    /// Cancelled by a person.
    Cancelled,
}

impl JobState {
    /// Every state, waiting ones first.
    pub const ALL: [JobState; 6] = [
        JobState::Scheduled,
        JobState::Running,
        JobState::Retrying,
        JobState::Succeeded,
        JobState::Dead,
        JobState::Cancelled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Scheduled => "scheduled",
            JobState::Running => "running",
            JobState::Retrying => "retrying",
            JobState::Succeeded => "succeeded",
            JobState::Dead => "dead",
            JobState::Cancelled => "cancelled",
        }
    }
}

stored_names!(JobState, "job state");
