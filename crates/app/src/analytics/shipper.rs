//! The shipper: one job per workspace (woken in the transaction that writes to its outbox)
//! that sends the outbox to PostHog in batches, oldest first. It reads under a short
//! transaction, sends with none open, and deletes what PostHog accepted (a 2xx) in another,
//! so a crash between the two sends the batch again with the same `uuid`s, which PostHog
//! counts once. A failed batch stays where it is and the job waits (exponential backoff up
//! to an hour, never less than PostHog's `Retry-After`) without using up an attempt, so an
//! outage of hours loses nothing, and no later event overtakes it.

use super::{DEFAULT_POSTHOG_URL, POSTHOG_API_KEY, POSTHOG_URL};
use crate::{App, Result};
use chrono::{DateTime, TimeDelta, Utc};
use revos_domain::TenantId;
use revos_domain::analytics::{BATCH_SIZE, retry_delay};
use revos_jobs::Job;
use revos_providers::ProviderError;
use revos_providers::posthog::{CaptureEvent, PostHog};
use revos_store::analytics_outbox as store;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Batches per run before the job yields to others (and runs again at once).
const BATCHES_PER_RUN: usize = 10;
/// After a run that sent something, one more look this much later: an event whose
/// transaction woke the job while it ran (finding it live) is sent then.
const LOOK_AGAIN: TimeDelta = TimeDelta::seconds(5);

/// The shipper job of one workspace.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShipAnalytics {
    /// The workspace.
    pub tenant: TenantId,
}

impl Job for ShipAnalytics {
    type Context = App;
    const KIND: &'static str = store::SHIPPER_JOB_KIND;
    const QUEUE: &'static str = store::ANALYTICS_QUEUE;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(store::SHIPPER_JOB_KEY.to_owned())
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        Ok(match app.ship_analytics(self.tenant).await? {
            Some(at) => revos_jobs::Outcome::Snooze(at),
            None => revos_jobs::Outcome::Done,
        })
    }
}

/// The event as PostHog takes it: the member who acted (or the workspace) as `distinct_id`,
/// the workspace as the `workspace` group, the row's id as `uuid`.
fn capture_event(tenant: TenantId, row: store::OutboxRow) -> CaptureEvent {
    let mut properties = match serde_json::from_str(&row.properties) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    properties.insert(
        "$groups".into(),
        serde_json::json!({ "workspace": tenant.to_string() }),
    );
    properties.insert("workspace_id".into(), tenant.to_string().into());
    CaptureEvent {
        event: row.event,
        distinct_id: match row.user_id {
            Some(user) => user.to_string(),
            None => format!("workspace:{tenant}"),
        },
        properties,
        timestamp: row.occurred_at,
        uuid: row.id,
    }
}

impl App {
    /// Sends `tenant`'s outbox to PostHog. Returns when to run again (after a failure, more
    /// than one run's worth, or a last look after a run that sent), or `None` when the
    /// outbox is empty or the export is off.
    pub async fn ship_analytics(&self, tenant: TenantId) -> Result<Option<DateTime<Utc>>> {
        let mut sent_any = false;
        for _ in 0..BATCHES_PER_RUN {
            let (state, rows) = {
                let mut tx = self.store.begin_read_for(tenant).await?;
                let state = store::export_state(&mut tx, tenant).await?;
                let rows = store::pending(&mut tx, tenant, BATCH_SIZE as i64).await?;
                tx.commit().await?;
                (state, rows)
            };
            if !state.enabled || rows.is_empty() {
                return Ok(sent_any.then(|| self.now() + LOOK_AGAIN));
            }
            let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
            let events: Vec<CaptureEvent> =
                rows.into_iter().map(|r| capture_event(tenant, r)).collect();
            let sent = match self.posthog_for(tenant).await? {
                Ok(client) => client.capture_batch(&events, self.now()).await,
                Err(refused) => Err(refused),
            };
            let now = self.now();
            let mut tx = self.store.begin_for(tenant).await?;
            match sent {
                Ok(()) => {
                    store::remove(&mut tx, tenant, &ids).await?;
                    store::record_success(&mut tx, tenant, now).await?;
                    tx.commit().await?;
                    sent_any = true;
                }
                Err(e) => {
                    let failures =
                        store::record_failure(&mut tx, tenant, &e.public_message(), now).await?;
                    tx.commit().await?;
                    let wait =
                        retry_delay(u32::try_from(failures).unwrap_or(u32::MAX), e.retry_after);
                    tracing::warn!(%tenant, failures, wait_s = wait.as_secs(), error = %e, "analytics batch not accepted; waiting");
                    let wait = TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1));
                    return Ok(Some(now + wait));
                }
            }
        }
        Ok(Some(self.now()))
    }

    /// The PostHog `tenant`'s events go to: its own project (key and host from the vault,
    /// the host through the outbound guard), else the instance's; refused (a failed attempt
    /// that keeps the outbox) when neither has a key or the guard refuses the host.
    async fn posthog_for(&self, tenant: TenantId) -> Result<Result<PostHog, ProviderError>> {
        let settings = self.provider_settings();
        let timeout = self.provider_timeout();
        if let Some(key) = self.reveal_named(tenant, POSTHOG_API_KEY).await? {
            let url = self
                .reveal_named(tenant, POSTHOG_URL)
                .await?
                .unwrap_or_else(|| DEFAULT_POSTHOG_URL.to_owned());
            let key = SecretString::from(key);
            return Ok(PostHog::workspace(
                &url,
                key,
                self.outbound_policy(),
                timeout,
            ));
        }
        Ok(match settings.posthog_key.clone() {
            Some(key) => PostHog::operator(&settings.posthog_url, key, self.shared_http(), timeout),
            None => Err(ProviderError::refused(
                "posthog",
                "no PostHog key: the workspace has none and neither has the instance",
            )),
        })
    }

    /// Wakes the shipper of every workspace whose outbox holds events (at most `limit`): the
    /// housekeeping sweep, so an export whose wake-up was lost still leaves. Returns how many.
    pub async fn wake_analytics_shippers(&self, limit: i64) -> Result<usize> {
        let now = self.now();
        let mut tx = self.store.begin_system().await?;
        let tenants = store::tenants_waiting(&mut tx, limit).await?;
        for tenant in &tenants {
            store::wake_shipper(&mut tx, *tenant, now).await?;
        }
        tx.commit().await?;
        Ok(tenants.len())
    }
}
