//! The errors a use case can end in. Each variant maps to one kind of HTTP answer or CLI exit;
//! internal details stay in `Internal` and are logged, never shown.

use revos_domain::ValidationErrors;
use revos_store::StoreError;

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input broke a rule; each field is named.
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The thing asked for does not exist in the caller's workspace.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change clashes with existing data.
    #[error("{0}")]
    Conflict(String),
    /// A workflow move the current status does not allow (a post approved twice, a draft
    /// published): the answer names both statuses.
    #[error(transparent)]
    IllegalTransition(#[from] revos_domain::post::IllegalTransition),
    /// No valid credentials were presented, or they did not match.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The caller is known but their role does not allow this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The thing existed but is no longer usable (an expired share link).
    #[error("{0}")]
    Gone(&'static str),
    /// The workspace has spent this month's budget on the instance's model
    /// (`REVOS_LLM_WORKSPACE_BUDGET_USD`); nothing was sent.
    #[error(
        "this workspace's monthly budget on the instance's model (${budget_usd:.2}) is spent (${spent_usd:.4} this month); the model is back next month, or store your own openai_api_key"
    )]
    LlmBudgetExceeded {
        /// The monthly budget, in USD.
        budget_usd: f64,
        /// What was spent this month, in USD.
        spent_usd: f64,
    },
    /// The operator does not let people create workspaces by signing up (`REVOS_SIGNUP`).
    #[error("Sign-up is closed on this instance; ask an owner for an invitation.")]
    SignupClosed,
    /// An external provider failed (classified: transient, rate-limited or permanent).
    #[error("provider failure: {0}")]
    Provider(#[from] revos_providers::ProviderError),
    /// An upload is larger than the instance takes (`REVOS_MAX_UPLOAD_MB`); the field is named.
    #[error(transparent)]
    TooLarge(ValidationErrors),
    /// The storage layer failed.
    #[error("storage failure: {0}")]
    Store(StoreError),
    /// Something else broke that the caller cannot fix (crypto failure, corrupt data).
    #[error("internal failure: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(what) => AppError::Conflict(format!("already exists: {what}")),
            other => AppError::Store(other),
        }
    }
}

impl From<revos_jobs::QueueError> for AppError {
    fn from(err: revos_jobs::QueueError) -> Self {
        match err {
            revos_jobs::QueueError::Store(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}
