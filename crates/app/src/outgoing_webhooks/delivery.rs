//! Sending the outbox: one job per endpoint (woken in the transaction that queues a delivery)
//! reads the endpoint's due deliveries, at most one per subject (a lead's later event waits
//! for its earlier one), signs each attempt afresh (a new `webhook-timestamp`, the same
//! `webhook-id`), POSTs it with no transaction open, and logs the attempt after. A failed
//! delivery is tried again with exponential backoff until 24 hours after it was queued; an
//! endpoint whose every attempt failed for 24 hours is turned off and the workspace told
//! (an event the notifier reads). A sweep every few minutes wakes any endpoint with a due
//! delivery whose wake-up was lost (a delivery queued while its job was finishing).

use crate::{App, AppError, Result, vault};
use chrono::{DateTime, TimeDelta, Utc};
use revos_domain::TenantId;
use revos_domain::outgoing_webhook::{self as rules, DeliveryState, ENDPOINT_DISABLED_EVENT};
use revos_jobs::Job;
use revos_providers::outgoing_webhook::{Answer, SignedMessage, WebhookSender};
use revos_store::events;
use revos_store::webhook_deliveries::{self as store, AttemptOutcome, DeliveryRow, WEBHOOK_QUEUE};
use revos_store::webhook_endpoints::{self, EndpointRow};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Deliveries read per transaction.
const BATCH: i64 = 20;
/// Batches per run before the job yields to others (and runs again at once).
const BATCHES_PER_RUN: usize = 5;
/// The longest an attempt waits for the endpoint's answer (a slow receiver must not hold
/// the endpoint's job for long).
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Endpoints the sweep wakes per run.
const SWEEP_LIMIT: i64 = 500;

/// The delivery job of one endpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeliverWebhooks {
    /// The workspace.
    pub tenant: TenantId,
    /// The endpoint.
    pub endpoint: Uuid,
}

impl Job for DeliverWebhooks {
    type Context = App;
    const KIND: &'static str = store::DELIVERY_JOB_KIND;
    const QUEUE: &'static str = WEBHOOK_QUEUE;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.endpoint.to_string())
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        Ok(
            match app.deliver_webhooks(self.tenant, self.endpoint).await? {
                Some(at) => revos_jobs::Outcome::Snooze(at),
                None => revos_jobs::Outcome::Done,
            },
        )
    }
}

/// The sweep: wakes every enabled endpoint with a delivery due (a cron job).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepWebhooks;

impl Job for SweepWebhooks {
    type Context = App;
    const KIND: &'static str = "webhooks.sweep";
    const QUEUE: &'static str = WEBHOOK_QUEUE;

    fn tenant(&self) -> Option<TenantId> {
        None
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        app.sweep_webhooks()
            .await
            .map_err(AppError::into_sweep_error)?;
        Ok(revos_jobs::Outcome::Done)
    }
}

impl App {
    /// Sends `endpoint`'s due deliveries. Returns when to run again (the next delivery due,
    /// or now when a run's worth was sent), or `None` when nothing is pending or the endpoint
    /// is off or gone.
    pub async fn deliver_webhooks(
        &self,
        tenant: TenantId,
        endpoint: Uuid,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut sender = None;
        for _ in 0..BATCHES_PER_RUN {
            let now = self.now();
            let mut tx = self.store.begin_read_for(tenant).await?;
            let Some(row) = webhook_endpoints::get(&mut tx, tenant, endpoint).await? else {
                return Ok(None);
            };
            if !row.enabled {
                return Ok(None);
            }
            let due = store::due(&mut tx, tenant, endpoint, now, BATCH).await?;
            if due.is_empty() {
                let next = store::next_due(&mut tx, tenant, endpoint).await?;
                tx.commit().await?;
                return Ok(next);
            }
            tx.commit().await?;
            // The current secret, and the one it replaced while that still signs.
            let (secret, previous) = {
                let mut tx = self.store.begin_for(tenant).await?;
                let dek = self.data_key(&mut tx, tenant).await?;
                tx.commit().await?;
                let previous = match (&row.previous_sealed_secret, row.previous_secret_until) {
                    (Some(sealed), Some(until)) if until > now => {
                        Some(vault::open_endpoint_secret(&dek, tenant, endpoint, sealed)?)
                    }
                    _ => None,
                };
                let current =
                    vault::open_endpoint_secret(&dek, tenant, endpoint, &row.sealed_secret)?;
                (current, previous)
            };
            let mut secrets = vec![secret.as_str()];
            secrets.extend(previous.as_deref().map(String::as_str));
            let sender = match &mut sender {
                Some(s) => s,
                None => sender.insert(
                    WebhookSender::new(
                        self.outbound_policy(),
                        self.provider_timeout().min(MAX_WAIT),
                    )
                    .map_err(|e| AppError::Internal(format!("no HTTP client: {e}")))?,
                ),
            };
            for delivery in &due {
                let at = self.now();
                let id = delivery.id.to_string();
                let signature = rules::signatures(&secrets, &id, at.timestamp(), &delivery.payload)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                let message = SignedMessage {
                    url: &row.url,
                    id: &id,
                    timestamp: at.timestamp(),
                    signature: &signature,
                    body: &delivery.payload,
                };
                let answer = sender.send(&message).await;
                if self.settle(tenant, &row, delivery, at, &answer).await? {
                    return Ok(None);
                }
            }
        }
        Ok(Some(self.now()))
    }

    /// Logs one attempt of `delivery` made at `at` and moves it on: delivered, tried again
    /// later, or failed for good. Keeps the endpoint's failure streak, and turns the endpoint
    /// off (telling the workspace) when every attempt failed for a day. Returns whether it
    /// was turned off.
    async fn settle(
        &self,
        tenant: TenantId,
        endpoint: &EndpointRow,
        delivery: &DeliveryRow,
        at: DateTime<Utc>,
        answer: &Answer,
    ) -> Result<bool> {
        let now = self.now();
        let ok = answer.succeeded();
        let failures = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
        let retry_after = answer.retry_after.and_then(|d| TimeDelta::from_std(d).ok());
        let (state, next) = match ok {
            true => (DeliveryState::Delivered, now),
            false => match rules::next_attempt(delivery.queued_at, failures, retry_after, now) {
                Some(next) => (DeliveryState::Pending, next),
                None => (DeliveryState::Failed, now),
            },
        };
        let outcome = AttemptOutcome {
            at,
            status: answer.status.map(i64::from),
            error: answer.error.as_deref(),
            duration_ms: i64::try_from(answer.elapsed.as_millis()).unwrap_or(i64::MAX),
            state: state.as_str(),
            next_attempt_at: next,
        };
        let mut tx = self.store.begin_for(tenant).await?;
        if !store::record_attempt(&mut tx, tenant, delivery.id, &outcome).await? {
            tx.commit().await?;
            return Ok(false);
        }
        let since = webhook_endpoints::note_attempt(&mut tx, tenant, endpoint.id, ok, now).await?;
        let failed_from = match state {
            DeliveryState::Failed => {
                store::first_attempt(&mut tx, tenant, delivery.id, delivery.queued_at).await?
            }
            _ => None,
        };
        let disabled = match since {
            Some(since) if rules::should_disable(since, failed_from, now) => {
                webhook_endpoints::disable_failing(&mut tx, tenant, endpoint.id, now).await?
            }
            _ => false,
        };
        if disabled {
            let data = serde_json::json!({
                "endpoint_id": endpoint.id, "name": display_name(endpoint), "failing_since": since,
            });
            events::append(
                &mut tx,
                tenant,
                ENDPOINT_DISABLED_EVENT,
                None,
                Some(endpoint.id),
                &data.to_string(),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        if disabled {
            tracing::warn!(%tenant, endpoint = %endpoint.id, "webhook endpoint turned off after failing for a day");
        }
        Ok(disabled)
    }

    /// Wakes the delivery job of every enabled endpoint with a delivery due.
    pub async fn sweep_webhooks(&self) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.begin_system().await?;
        let due = store::endpoints_due(&mut tx, now, SWEEP_LIMIT).await?;
        for (tenant, endpoint) in &due {
            store::wake(&mut tx, TenantId(*tenant), *endpoint, now).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}

/// How a notification names an endpoint: its description, else its URL's host (never the
/// whole URL, whose path or query may be a credential).
fn display_name(endpoint: &EndpointRow) -> String {
    if !endpoint.description.is_empty() {
        return endpoint.description.clone();
    }
    reqwest::Url::parse(&endpoint.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "endpoint".to_owned())
}
