//! The Slack digest: one job per workspace, due one [`DIGEST_PERIOD`] after the first
//! notification it will carry, that sends every notification waiting for Slack as ONE
//! message (a burst of 50 replies is one message, never 50). It reads under a short
//! transaction, posts with none open, and marks what it carried after: a slow or failing
//! Slack holds no lock and touches no pipeline job (its queue is its own). A failed post is
//! retried by the queue (honouring Slack's `Retry-After`); a permanent refusal (`no_service`,
//! a URL the guard refuses) ends the job, and what it would have carried waits for the next
//! digest.

use super::SLACK_WEBHOOK_URL;
use crate::{App, AppError, Result};
use revos_domain::notification::{self, DIGEST_PERIOD, DigestItem, NotificationKind};
use revos_domain::{SecretName, TenantId};
use revos_jobs::Job;
use revos_providers::slack::{SlackMessage, SlackWebhook};
use revos_store::{notifications as store, tenants};
use serde::{Deserialize, Serialize};

/// Notifications one digest carries at most (the rest go in the next one, a period later).
const DIGEST_MAX: i64 = 500;

/// The Slack digest job of one workspace.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SlackDigest {
    /// The workspace.
    pub tenant: TenantId,
}

impl Job for SlackDigest {
    type Context = App;
    const KIND: &'static str = "notify.slack";
    const QUEUE: &'static str = store::NOTIFY_QUEUE;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some("digest".to_owned())
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        let more = app
            .send_slack_digest(self.tenant)
            .await
            .map_err(|e| e.into_job_error(false))?;
        Ok(match more {
            // Notifications that arrived while this one was sent (or past its size) go in
            // the next digest, one period later.
            true => revos_jobs::Outcome::Snooze(app.now() + DIGEST_PERIOD),
            false => revos_jobs::Outcome::Done,
        })
    }
}

impl App {
    /// Sends `tenant`'s waiting notifications to its Slack webhook as one message. Returns
    /// whether more wait for the next digest.
    pub async fn send_slack_digest(&self, tenant: TenantId) -> Result<bool> {
        let name = SecretName::parse("name", SLACK_WEBHOOK_URL)?;
        let (pending, workspace) = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let pending = store::slack_pending(&mut tx, tenant, DIGEST_MAX).await?;
            let workspace = tenants::get(&mut tx, tenant).await?.map(|t| t.name);
            tx.commit().await?;
            (pending, workspace.unwrap_or_default())
        };
        let items: Vec<DigestItem> = pending
            .iter()
            .filter_map(|p| {
                Some(DigestItem {
                    kind: NotificationKind::parse(&p.kind)?,
                    title: p.title.clone(),
                    count: p.count,
                })
            })
            .collect();
        let ids: Vec<uuid::Uuid> = pending.iter().map(|p| p.id).collect();
        if let Some(digest) = notification::digest(&workspace, &items) {
            // A webhook removed meanwhile: nothing is sent, and what waited is dropped below.
            if let Some(url) = self.reveal_secret(tenant, &name).await? {
                let client = SlackWebhook::new(
                    url.as_str(),
                    self.outbound_policy(),
                    self.provider_timeout(),
                )
                .map_err(AppError::Provider)?;
                let message = SlackMessage {
                    text: digest.text,
                    lines: digest.lines,
                };
                client.post(&message).await.map_err(AppError::Provider)?;
            }
        }
        let mut tx = self.store.begin_for(tenant).await?;
        store::slack_sent(&mut tx, tenant, &ids).await?;
        let more = !store::slack_pending(&mut tx, tenant, 1).await?.is_empty();
        tx.commit().await?;
        Ok(more)
    }
}
