//! The one conversion from a failed use case to the failure of the job that ran it, so every
//! handler ends its attempt by the same rule: which failures are retried, which end the job for
//! good, and which pause a LinkedIn account.

use crate::{App, AppError};
use revos_domain::TenantId;
use revos_jobs::JobError;
use revos_providers::{ProviderError, ProviderErrorKind};
use uuid::Uuid;

impl AppError {
    /// The job outcome of this failure. A provider failure goes by its kind; `paced` jobs
    /// (LinkedIn sends) turn a rate limit or a restricted account into a pause of their
    /// account. A missing row, input that breaks a rule (a campaign template over its budget)
    /// or a workflow move the status does not allow ends the job, since trying again cannot
    /// help; anything else is retried.
    pub fn into_job_error(self, paced: bool) -> JobError {
        match self {
            AppError::Provider(e) => provider_failure(e, paced),
            AppError::NotFound(what) => JobError::Permanent(format!("{what} not found")),
            AppError::Validation(v) => JobError::Permanent(v.summary()),
            AppError::IllegalTransition(t) => JobError::Permanent(t.to_string()),
            e => JobError::retry(e.to_string()),
        }
    }

    /// The job outcome of a failed sweep (a cron job that walks every tenant's campaigns,
    /// chats or accounts): whatever failed, the sweep is tried again, since the failure of one
    /// tenant's part says nothing about the rest.
    pub fn into_sweep_error(self) -> JobError {
        JobError::retry(self.to_string())
    }
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        e.into_job_error(false)
    }
}

fn provider_failure(e: ProviderError, paced: bool) -> JobError {
    let restricted = e.provider_type.as_deref() == Some("errors/account_restricted");
    match e.kind {
        ProviderErrorKind::RateLimited if paced => JobError::AccountLimited {
            message: e.to_string(),
            after: e.retry_after,
        },
        _ if paced && restricted => JobError::AccountLimited {
            message: e.to_string(),
            after: None,
        },
        ProviderErrorKind::RateLimited | ProviderErrorKind::Transient => JobError::Retry {
            message: e.to_string(),
            after: e.retry_after,
        },
        ProviderErrorKind::Permanent => JobError::Permanent(e.to_string()),
    }
}

/// The lead a job works on, for the `provider_error` event its failure records.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LeadJob {
    /// The tenant.
    pub(crate) tenant: TenantId,
    /// The campaign the lead was reached through, if any.
    pub(crate) campaign: Option<Uuid>,
    /// The lead.
    pub(crate) lead: Uuid,
}

impl App {
    /// The job outcome of a failed use case about one lead: as [`AppError::into_job_error`],
    /// and a provider failure is first recorded as a `provider_error` event on the lead, so
    /// it shows in the lead's timeline.
    pub(crate) async fn lead_job_error(
        &self,
        about: LeadJob,
        e: AppError,
        paced: bool,
    ) -> JobError {
        if let AppError::Provider(p) = &e
            && let Err(store) = self
                .record_provider_error(about.tenant, about.campaign, about.lead, p)
                .await
        {
            tracing::warn!(error = %store, "recording a provider error failed");
        }
        e.into_job_error(paced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revos_domain::ValidationErrors;

    fn provider(kind: ProviderErrorKind, kind_type: Option<&str>) -> AppError {
        let mut e = ProviderError::new("unipile", kind, "said no");
        e.provider_type = kind_type.map(str::to_owned);
        AppError::Provider(e)
    }

    #[test]
    fn rate_limits_pause_paced_accounts_and_wait_otherwise() {
        let limited = provider(ProviderErrorKind::RateLimited, None);
        assert!(matches!(
            limited.into_job_error(true),
            JobError::AccountLimited { .. }
        ));
        let limited = provider(ProviderErrorKind::RateLimited, None);
        assert!(matches!(
            limited.into_job_error(false),
            JobError::Retry { .. }
        ));
        let restricted = provider(
            ProviderErrorKind::Permanent,
            Some("errors/account_restricted"),
        );
        assert!(matches!(
            restricted.into_job_error(true),
            JobError::AccountLimited { after: None, .. }
        ));
        let restricted = provider(
            ProviderErrorKind::Permanent,
            Some("errors/account_restricted"),
        );
        assert!(matches!(
            restricted.into_job_error(false),
            JobError::Permanent(_)
        ));
        let transient = provider(ProviderErrorKind::Transient, None);
        assert!(matches!(JobError::from(transient), JobError::Retry { .. }));
    }

    #[test]
    fn missing_rows_and_broken_rules_end_the_job_and_the_rest_retries() {
        assert!(matches!(
            JobError::from(AppError::NotFound("lead")),
            JobError::Permanent(m) if m == "lead not found"
        ));
        let v = ValidationErrors::single("template", "too long");
        assert!(matches!(
            JobError::from(AppError::Validation(v)),
            JobError::Permanent(_)
        ));
        assert!(matches!(
            JobError::from(AppError::Internal("x".into())),
            JobError::Retry { .. }
        ));
    }
}
