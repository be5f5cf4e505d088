//! Outgoing webhooks, for CRMs and automation tools (n8n, Zapier, GoHighLevel): a workspace's
//! endpoints (a URL through the outbound guard, a description, the event kinds it receives, on
//! or off) with a signing secret made here, sealed under the workspace's data key and shown
//! only at creation and rotation. Events reach the endpoints through the store's outbox
//! ([`revos_store::webhook_deliveries`]); [`delivery`] sends them, and [`log`] shows and
//! repeats deliveries. Owners and admins only: an endpoint's URL is often a credential itself.

pub mod delivery;
pub mod log;

pub use delivery::{DeliverWebhooks, SweepWebhooks};

use crate::{App, AppError, Principal, Result, vault};
use chrono::{DateTime, Utc};
use rand::Rng;
use revos_domain::outgoing_webhook as rules;
use revos_domain::{Page, PageRequest, TenantId, ValidationErrors};
use revos_store::webhook_deliveries;
use revos_store::webhook_endpoints::{self as store, EndpointFields, EndpointRow};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest URL an endpoint may have.
const MAX_URL_CHARS: usize = 2_000;
/// The longest description.
const MAX_DESCRIPTION_CHARS: usize = 500;
/// Random bytes in a signing secret.
const SECRET_BYTES: usize = 32;

/// An endpoint as the API shows it (never its secret).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// What the workspace calls it.
    pub description: String,
    /// The event kinds it receives (see the `events` field of the request).
    pub events: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// `failing` when RevOS turned it off because every delivery failed for 24 hours;
    /// `null` when it is on or a person turned it off.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed (`null` after a success).
    pub failing_since: Option<DateTime<Utc>>,
    /// When its signing secret was made.
    pub secret_rotated_at: DateTime<Utc>,
    /// Until when the secret it replaced signs beside it (`null` before any rotation); a
    /// time in the past means only the current one signs.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new endpoint with its signing secret, which is shown only this once.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhookEndpoint {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// The signing secret, `whsec_` and base64: verify `webhook-signature` with it.
    pub secret: String,
}

/// An endpoint's new signing secret, shown only this once; the old one keeps signing beside it
/// for 24 hours (both signatures in `webhook-signature`), then stops.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningSecret {
    /// `whsec_` and base64.
    pub secret: String,
    /// When it was made.
    pub rotated_at: DateTime<Utc>,
    /// Until when the old secret signs too.
    pub previous_secret_until: DateTime<Utc>,
}

/// A new endpoint.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhookEndpoint {
    /// An `http(s)` URL on a public address (internal addresses are refused unless the
    /// operator opened them with `REVOS_ALLOW_PRIVATE_URLS`).
    pub url: String,
    /// What the workspace calls it (at most 500 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// The event kinds to receive, at least one of: `lead_scraped` (lead created),
    /// `lead_enriched`, `dm_queued`, `dm_sent`, `magnet_opened`, `dm_replied`, `email_sequenced`,
    /// `email_not_sequenced`, `email_bounced`, `email_sequence_stopped`, `email_replied`,
    /// `opted_out`, `post_submitted`, `post_approved`, `post_rejected`, `post_scheduled`,
    /// `post_published`.
    pub events: Vec<String>,
    /// Whether deliveries are made (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Changes to an endpoint: the fields given change, the others stay. Turning a failing
/// endpoint back on resumes its pending deliveries.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointChange {
    /// A new URL (checked like a new endpoint's).
    #[serde(default)]
    pub url: Option<String>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// New event kinds (as for a new endpoint).
    #[serde(default)]
    pub events: Option<Vec<String>>,
    /// On or off.
    #[serde(default)]
    pub enabled: Option<bool>,
}

fn view(row: EndpointRow) -> WebhookEndpoint {
    WebhookEndpoint {
        events: serde_json::from_str(&row.event_types).unwrap_or_default(),
        id: row.id,
        url: row.url,
        description: row.description,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        secret_rotated_at: row.secret_rotated_at,
        previous_secret_until: row.previous_secret_until,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// A fresh signing secret.
fn new_secret() -> zeroize::Zeroizing<String> {
    let mut bytes = zeroize::Zeroizing::new([0u8; SECRET_BYTES]);
    rand::rng().fill_bytes(bytes.as_mut());
    zeroize::Zeroizing::new(rules::secret_text(&bytes[..]))
}

impl App {
    /// Checks what a person set on an endpoint: the URL through the outbound guard (its name
    /// resolved), the description's length and the event kinds. Each error names its field.
    async fn checked_fields(
        &self,
        url: &str,
        description: &str,
        events: &[String],
    ) -> Result<(String, String)> {
        let mut errors = Vec::new();
        let mut checked = None;
        if url.chars().count() > MAX_URL_CHARS {
            errors.extend(
                ValidationErrors::single(
                    "url",
                    format!("must be at most {MAX_URL_CHARS} characters"),
                )
                .0,
            );
        } else {
            match self.outbound_policy().check_resolved(url).await {
                Ok(parsed) => checked = Some(parsed.to_string()),
                Err(e) => errors.extend(ValidationErrors::single("url", e.to_string()).0),
            }
        }
        if description.chars().count() > MAX_DESCRIPTION_CHARS || description.contains('\0') {
            errors.extend(
                ValidationErrors::single(
                    "description",
                    format!("must be at most {MAX_DESCRIPTION_CHARS} characters without NUL"),
                )
                .0,
            );
        }
        let events = match rules::parse_event_types("events", events) {
            Ok(events) => Some(events),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        };
        match (errors.is_empty(), checked, events) {
            (true, Some(url), Some(events)) => Ok((
                url,
                serde_json::to_string(&events).map_err(|e| AppError::Internal(e.to_string()))?,
            )),
            _ => Err(ValidationErrors(errors).into()),
        }
    }

    /// Creates an endpoint of the caller's workspace and returns it with its signing secret
    /// (the only time it is shown).
    pub async fn create_webhook_endpoint(
        &self,
        who: &Principal,
        req: &NewWebhookEndpoint,
    ) -> Result<CreatedWebhookEndpoint> {
        who.require_admin()?;
        let description = req.description.as_deref().unwrap_or("").trim().to_owned();
        let (url, events) = self
            .checked_fields(&req.url, &description, &req.events)
            .await?;
        let id = Uuid::now_v7();
        let secret = new_secret();
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let dek = self.data_key(&mut tx, who.tenant).await?;
        let sealed = vault::seal_endpoint_secret(&dek, who.tenant, id, &secret)?;
        let fields = EndpointFields {
            url: &url,
            description: &description,
            event_types: &events,
            enabled: req.enabled.unwrap_or(true),
        };
        store::insert(&mut tx, who.tenant, id, &fields, &sealed, now).await?;
        let row = store::get(&mut tx, who.tenant, id)
            .await?
            .ok_or(AppError::NotFound("webhook endpoint"))?;
        tx.commit().await?;
        tracing::info!(tenant = %who.tenant, endpoint = %id, "webhook endpoint created");
        Ok(CreatedWebhookEndpoint {
            endpoint: view(row),
            secret: secret.to_string(),
        })
    }

    /// The endpoints of the caller's workspace, oldest first.
    pub async fn list_webhook_endpoints(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<WebhookEndpoint>> {
        who.require_admin()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let rows = store::list(&mut tx, who.tenant, page).await?;
        tx.commit().await?;
        Ok(Page::from_rows(rows, page, |r| r.id).map(view))
    }

    /// One endpoint of the caller's workspace; 404 for any other.
    pub async fn get_webhook_endpoint(&self, who: &Principal, id: Uuid) -> Result<WebhookEndpoint> {
        who.require_admin()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let row = self.endpoint_row(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(view(row))
    }

    pub(crate) async fn endpoint_row(
        &self,
        tx: &mut revos_store::Tx,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<EndpointRow> {
        store::get(tx, tenant, id)
            .await?
            .ok_or(AppError::NotFound("webhook endpoint"))
    }

    /// Changes the fields given of an endpoint. Turned on, its pending deliveries resume.
    pub async fn update_webhook_endpoint(
        &self,
        who: &Principal,
        id: Uuid,
        change: &WebhookEndpointChange,
    ) -> Result<WebhookEndpoint> {
        who.require_admin()?;
        let current = {
            let mut tx = self.store.begin_read_for(who.tenant).await?;
            let row = self.endpoint_row(&mut tx, who.tenant, id).await?;
            tx.commit().await?;
            view(row)
        };
        let url = change.url.as_deref().unwrap_or(&current.url);
        let description = change
            .description
            .as_deref()
            .unwrap_or(&current.description)
            .trim()
            .to_owned();
        let events = change.events.as_deref().unwrap_or(&current.events);
        let (url, events) = self.checked_fields(url, &description, events).await?;
        let enabled = change.enabled.unwrap_or(current.enabled);
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let fields = EndpointFields {
            url: &url,
            description: &description,
            event_types: &events,
            enabled,
        };
        if !store::update(&mut tx, who.tenant, id, &fields, now).await? {
            return Err(AppError::NotFound("webhook endpoint"));
        }
        if enabled {
            webhook_deliveries::wake(&mut tx, who.tenant, id, now).await?;
        }
        let row = self.endpoint_row(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(view(row))
    }

    /// Deletes an endpoint with its delivery log.
    pub async fn delete_webhook_endpoint(&self, who: &Principal, id: Uuid) -> Result<()> {
        who.require_admin()?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        if !store::delete(&mut tx, who.tenant, id).await? {
            return Err(AppError::NotFound("webhook endpoint"));
        }
        tx.commit().await?;
        tracing::info!(tenant = %who.tenant, endpoint = %id, "webhook endpoint deleted");
        Ok(())
    }

    /// Gives an endpoint a new signing secret, returned this once; every later attempt is
    /// signed with it, and for [`rules::SECRET_OVERLAP`] with the old one too.
    pub async fn rotate_webhook_secret(&self, who: &Principal, id: Uuid) -> Result<SigningSecret> {
        who.require_admin()?;
        let secret = new_secret();
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let dek = self.data_key(&mut tx, who.tenant).await?;
        let sealed = vault::seal_endpoint_secret(&dek, who.tenant, id, &secret)?;
        let until = now + rules::SECRET_OVERLAP;
        if !store::set_secret(&mut tx, who.tenant, id, &sealed, now, until).await? {
            return Err(AppError::NotFound("webhook endpoint"));
        }
        tx.commit().await?;
        tracing::info!(tenant = %who.tenant, endpoint = %id, "webhook signing secret rotated");
        Ok(SigningSecret {
            secret: secret.to_string(),
            rotated_at: now,
            previous_secret_until: until,
        })
    }
}
