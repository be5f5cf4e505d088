//! The delivery log of an endpoint: every delivery (newest first, keyset paged) with the exact
//! body it carries and each attempt's time, status or error, and duration; and manual
//! redelivery, which queues a delivery again now with a fresh 24-hour retry window.

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::outgoing_webhook::DeliveryState;
use revos_domain::{Page, PageRequest};
use revos_store::webhook_deliveries::{self as store, AttemptRow, DeliveryRow};
use serde::Serialize;
use uuid::Uuid;

/// The JSON body of every delivery (signed with the Standard Webhooks headers
/// `webhook-id`, `webhook-timestamp` and `webhook-signature`).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookPayload {
    /// The event kind, e.g. `lead_scraped`, `dm_sent`, `post_published`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the event happened (RFC 3339, UTC).
    pub timestamp: String,
    /// The event's data: always `event_id`, `workspace_id` and `subject_id` (the lead, or the
    /// post); for a lead's steps also `lead_id`, `campaign_id` and `cost` (US dollars), and
    /// what the step recorded (e.g. `provider`, `reason`, `source`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

/// One attempt of a delivery.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The endpoint's HTTP status, when it answered.
    pub status: Option<i64>,
    /// Why it failed (no answer, or a status other than 2xx).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// One event for one endpoint, with its attempts.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Its id, which is also the `webhook-id` header of every attempt (receivers deduplicate
    /// on it).
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The event it carries.
    pub event_id: Uuid,
    /// The event kind.
    pub event_type: String,
    /// `pending` (waiting for its next attempt), `delivered` or `failed` (every attempt for 24
    /// hours failed; redeliver it to try again).
    pub state: String,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When an attempt succeeded.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the event was queued for the endpoint.
    pub created_at: DateTime<Utc>,
    /// The body it carries.
    pub payload: WebhookPayload,
    /// Every attempt, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

fn delivery_view(row: DeliveryRow, attempts: &[AttemptRow]) -> WebhookDelivery {
    let body: serde_json::Value = serde_json::from_str(&row.payload).unwrap_or_default();
    WebhookDelivery {
        id: row.id,
        endpoint_id: row.endpoint_id,
        event_id: row.event_id,
        event_type: row.event_type.clone(),
        next_attempt_at: (row.state == DeliveryState::Pending.as_str())
            .then_some(row.next_attempt_at),
        state: row.state,
        delivered_at: row.delivered_at,
        created_at: row.created_at,
        payload: WebhookPayload {
            event_type: row.event_type,
            timestamp: body["timestamp"].as_str().unwrap_or_default().to_owned(),
            data: body["data"].clone(),
        },
        attempts: attempts
            .iter()
            .filter(|a| a.delivery_id == row.id)
            .map(|a| WebhookAttempt {
                at: a.attempted_at,
                status: a.status,
                error: a.error.clone(),
                duration_ms: a.duration_ms,
            })
            .collect(),
    }
}

impl App {
    /// The deliveries of an endpoint of the caller's workspace, newest first, each with its
    /// attempts (two queries per page).
    pub async fn list_webhook_deliveries(
        &self,
        who: &Principal,
        endpoint: Uuid,
        page: PageRequest,
    ) -> Result<Page<WebhookDelivery>> {
        who.require_admin()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        self.endpoint_row(&mut tx, who.tenant, endpoint).await?;
        let rows = store::list(&mut tx, who.tenant, endpoint, page).await?;
        let page = Page::from_rows(rows, page, |r| r.id);
        let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
        let attempts = store::attempts_of(&mut tx, who.tenant, &ids).await?;
        tx.commit().await?;
        Ok(page.map(|row| delivery_view(row, &attempts)))
    }

    /// Queues a delivery of an endpoint again now, whatever its state (the same body and
    /// `webhook-id`, signed afresh). An endpoint that is off is refused: turn it on first.
    pub async fn redeliver_webhook(
        &self,
        who: &Principal,
        endpoint: Uuid,
        delivery: Uuid,
    ) -> Result<WebhookDelivery> {
        who.require_admin()?;
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let row = self.endpoint_row(&mut tx, who.tenant, endpoint).await?;
        if !store::redeliver(&mut tx, who.tenant, endpoint, delivery, now).await? {
            return Err(AppError::NotFound("webhook delivery"));
        }
        if !row.enabled {
            return Err(AppError::Conflict(
                "the endpoint is turned off; turn it on to redeliver".into(),
            ));
        }
        store::wake(&mut tx, who.tenant, endpoint, now).await?;
        let delivered = store::get(&mut tx, who.tenant, endpoint, delivery)
            .await?
            .ok_or(AppError::NotFound("webhook delivery"))?;
        let attempts = store::attempts_of(&mut tx, who.tenant, &[delivery]).await?;
        tx.commit().await?;
        Ok(delivery_view(delivered, &attempts))
    }
}
