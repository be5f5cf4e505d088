//! Email sequencers: adding a lead to an Instantly (API v2) or Smartlead campaign with
//! personalisation variables, stopping an address's sequence after it bounced, and reading
//! their reply and bounce webhooks. Adding is made idempotent by the providers' own "skip if
//! already in campaign" options, so a retried call never enrols a lead twice; stopping is
//! idempotent too.

use crate::http::{self, HttpConfig, ProviderError, ProviderErrorKind};
use crate::webhooks::MalformedWebhook;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A lead to put into an email sequence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailLead {
    /// The address.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Company.
    pub company: Option<String>,
    /// LinkedIn profile URL.
    pub linkedin_url: Option<String>,
    /// Personalisation variables (e.g. `lead_magnet`).
    pub variables: BTreeMap<String, String>,
}

/// The result of adding a lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// The lead is now in the campaign.
    Added,
    /// The lead was already in the campaign; nothing changed.
    AlreadyThere,
}

/// The result of stopping an address's sequence in a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The provider was told to stop (or remove) the lead.
    Stopped,
    /// The provider had stopped it already (it saw the bounce itself).
    AlreadyStopped,
    /// The address is not in that campaign.
    NotThere,
}

/// A bounce of a sequenced email, from a provider's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailBounce {
    /// The provider's campaign id, when the event names it.
    pub campaign_id: Option<String>,
    /// The address that bounced.
    pub email: String,
}

/// A campaign id as the providers send it: a string (Instantly) or a number (Smartlead).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A provider's id that is safe to put in a URL path (ids are UUIDs or numbers).
fn path_id(v: &Value) -> Option<String> {
    id_text(v).filter(|id| {
        id.len() <= 100
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

/// Reads a bounce event's address from the first of `fields` present; the event is
/// malformed without one.
fn bounce(
    payload: &Value,
    fields: &[&str],
    campaign: &Value,
) -> Result<Option<EmailBounce>, MalformedWebhook> {
    let email = fields
        .iter()
        .find_map(|f| payload[*f].as_str())
        .map(str::trim)
        .filter(|e| e.contains('@'))
        .ok_or_else(|| MalformedWebhook {
            field: fields[0].to_owned(),
            message: "a bounce needs the address that bounced".into(),
        })?;
    Ok(Some(EmailBounce {
        campaign_id: id_text(campaign),
        email: email.to_owned(),
    }))
}

/// A reply to a sequenced email, from a provider's webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailReply {
    /// The provider's campaign id.
    pub campaign_id: String,
    /// Who replied.
    pub lead_email: String,
    /// What they wrote (plain text when given).
    pub text: String,
}

fn classify(
    provider: &'static str,
) -> impl Fn(u16, &reqwest::header::HeaderMap, &str) -> ProviderError {
    move |status, headers, body| {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let message = v["message"]
            .as_str()
            .or(v["error"].as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP {status}"));
        let kind = match status {
            429 => ProviderErrorKind::RateLimited,
            500..=599 => ProviderErrorKind::Transient,
            _ => ProviderErrorKind::Permanent,
        };
        let mut err = ProviderError::new(provider, kind, message);
        err.provider_type = v["error"].as_str().map(str::to_owned);
        err.retry_after = http::retry_after(headers);
        err
    }
}

fn shape_error(provider: &'static str, e: serde_json::Error) -> ProviderError {
    ProviderError::new(
        provider,
        ProviderErrorKind::Transient,
        format!("the answer is not the documented shape: {e}"),
    )
}

/// The Instantly API v2 client.
#[derive(Clone, Debug)]
pub struct Instantly {
    config: HttpConfig,
}

impl Instantly {
    /// A client for Instantly at `config.base_url` (`https://api.instantly.ai/api/v2`).
    pub fn new(config: HttpConfig) -> Self {
        Self { config }
    }

    /// Adds `lead` to campaign `campaign_id` (`POST /leads/add`, skipping leads already in it).
    pub async fn add_lead(
        &self,
        campaign_id: &str,
        lead: &EmailLead,
    ) -> Result<Added, ProviderError> {
        #[derive(Deserialize)]
        struct Response {
            #[serde(default)]
            leads_uploaded: Option<i64>,
            #[serde(default)]
            skipped_count: Option<i64>,
        }
        let mut custom: BTreeMap<String, String> = lead.variables.clone();
        if let Some(url) = &lead.linkedin_url {
            custom.insert("linkedin_url".into(), url.clone());
        }
        let body = serde_json::json!({
            "campaign_id": campaign_id,
            "skip_if_in_campaign": true,
            "leads": [{
                "email": lead.email, "first_name": lead.first_name, "last_name": lead.last_name,
                "company_name": lead.company, "custom_variables": custom,
            }],
        });
        let url = self.config.url("leads/add");
        let (_, text) = http::send(
            &self.config,
            "instantly",
            || {
                self.config
                    .client
                    .post(&url)
                    .bearer_auth(self.config.key())
                    .json(&body)
            },
            classify("instantly"),
        )
        .await?;
        let r: Response = serde_json::from_str(&text).map_err(|e| shape_error("instantly", e))?;
        Ok(match (r.leads_uploaded, r.skipped_count) {
            (Some(0), Some(n)) if n > 0 => Added::AlreadyThere,
            _ => Added::Added,
        })
    }

    /// Stops `email`'s sequence in campaign `campaign_id`: finds its leads there (`POST
    /// /leads/list` filtered by campaign and address) and deletes the ones Instantly has not
    /// stopped itself (`DELETE /leads/{id}`; API v2 has no per-lead pause). A lead whose
    /// status is below 0 (bounced, unsubscribed, skipped) is left with its history.
    pub async fn stop_lead(
        &self,
        campaign_id: &str,
        email: &str,
    ) -> Result<Stopped, ProviderError> {
        #[derive(Deserialize)]
        struct Item {
            id: Value,
            #[serde(default)]
            status: Option<i64>,
        }
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            items: Vec<Item>,
        }
        let body =
            serde_json::json!({ "campaign": campaign_id, "contacts": [email], "limit": 100 });
        let url = self.config.url("leads/list");
        let (_, text) = http::send(
            &self.config,
            "instantly",
            || {
                self.config
                    .client
                    .post(&url)
                    .bearer_auth(self.config.key())
                    .json(&body)
            },
            classify("instantly"),
        )
        .await?;
        let page: Page = serde_json::from_str(&text).map_err(|e| shape_error("instantly", e))?;
        if page.items.is_empty() {
            return Ok(Stopped::NotThere);
        }
        let mut outcome = Stopped::AlreadyStopped;
        for item in page.items.iter().filter(|i| i.status.unwrap_or(1) >= 0) {
            let id = path_id(&item.id).ok_or_else(|| {
                ProviderError::new(
                    "instantly",
                    ProviderErrorKind::Transient,
                    "the answer is not the documented shape: a lead id that is not an id",
                )
            })?;
            let url = self.config.url(&format!("leads/{id}"));
            let deleted = http::send(
                &self.config,
                "instantly",
                || {
                    self.config
                        .client
                        .delete(&url)
                        .bearer_auth(self.config.key())
                },
                classify("instantly"),
            )
            .await;
            match deleted {
                // Gone already (a retry after a lost answer): stopped all the same.
                Ok(_) => outcome = Stopped::Stopped,
                Err(e) if e.status == Some(404) => outcome = Stopped::Stopped,
                Err(e) => return Err(e),
            }
        }
        Ok(outcome)
    }

    /// Reads an Instantly webhook payload: `Ok(None)` unless it is an `email_bounced` event,
    /// which must name the lead's address (`lead_email`).
    pub fn parse_bounce(payload: &Value) -> Result<Option<EmailBounce>, MalformedWebhook> {
        if payload["event_type"].as_str() != Some("email_bounced") {
            return Ok(None);
        }
        bounce(payload, &["lead_email", "email"], &payload["campaign_id"])
    }

    /// Reads an Instantly webhook payload; `None` unless it is a `reply_received` event.
    pub fn parse_reply(payload: &serde_json::Value) -> Option<EmailReply> {
        if payload["event_type"].as_str()? != "reply_received" {
            return None;
        }
        Some(EmailReply {
            campaign_id: payload["campaign_id"].as_str()?.to_owned(),
            lead_email: payload["lead_email"].as_str()?.to_owned(),
            text: payload["reply_text"]
                .as_str()
                .or(payload["reply_text_snippet"].as_str())
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

/// The Smartlead client. Its key travels in the query string, so errors never quote URLs.
#[derive(Clone, Debug)]
pub struct Smartlead {
    config: HttpConfig,
}

impl Smartlead {
    /// A client for Smartlead at `config.base_url` (`https://server.smartlead.ai/api/v1`).
    pub fn new(config: HttpConfig) -> Self {
        Self { config }
    }

    /// Adds `lead` to campaign `campaign_id` (`POST /campaigns/{id}/leads`).
    pub async fn add_lead(
        &self,
        campaign_id: &str,
        lead: &EmailLead,
    ) -> Result<Added, ProviderError> {
        #[derive(Deserialize)]
        struct Response {
            #[serde(default)]
            upload_count: Option<i64>,
            #[serde(default)]
            already_added_to_campaign: Option<i64>,
        }
        let body = serde_json::json!({
            "lead_list": [{
                "email": lead.email, "first_name": lead.first_name, "last_name": lead.last_name,
                "company_name": lead.company, "linkedin_profile": lead.linkedin_url, "custom_fields": lead.variables,
            }],
            "settings": {
                "ignore_global_block_list": false, "ignore_unsubscribe_list": false,
                "ignore_community_bounce_list": false, "ignore_duplicate_leads_in_other_campaign": false,
            },
        });
        let url = self.config.url(&format!("campaigns/{campaign_id}/leads"));
        let (_, text) = http::send(
            &self.config,
            "smartlead",
            || {
                self.config
                    .client
                    .post(&url)
                    .query(&[("api_key", self.config.key())])
                    .json(&body)
            },
            classify("smartlead"),
        )
        .await?;
        let r: Response = serde_json::from_str(&text).map_err(|e| shape_error("smartlead", e))?;
        Ok(match (r.upload_count, r.already_added_to_campaign) {
            (Some(0), Some(n)) if n > 0 => Added::AlreadyThere,
            _ => Added::Added,
        })
    }

    /// Stops `email`'s sequence in campaign `campaign_id`: finds the lead by address (`GET
    /// /leads/?email=`) and pauses it in that campaign (`POST
    /// /campaigns/{campaign_id}/leads/{lead_id}/pause`), which keeps its history.
    pub async fn stop_lead(
        &self,
        campaign_id: &str,
        email: &str,
    ) -> Result<Stopped, ProviderError> {
        let url = self.config.url("leads/");
        let found = http::send(
            &self.config,
            "smartlead",
            || {
                self.config
                    .client
                    .get(&url)
                    .query(&[("api_key", self.config.key()), ("email", email)])
            },
            classify("smartlead"),
        )
        .await;
        let text = match found {
            Ok((_, text)) => text,
            Err(e) if e.status == Some(404) => return Ok(Stopped::NotThere),
            Err(e) => return Err(e),
        };
        let lead: Value = serde_json::from_str(&text).map_err(|e| shape_error("smartlead", e))?;
        let Some(id) = path_id(&lead["id"]) else {
            return Ok(Stopped::NotThere);
        };
        if let Some(campaigns) = lead["lead_campaign_data"].as_array()
            && !campaigns
                .iter()
                .any(|c| id_text(&c["campaign_id"]).as_deref() == Some(campaign_id))
        {
            return Ok(Stopped::NotThere);
        }
        let url = self
            .config
            .url(&format!("campaigns/{campaign_id}/leads/{id}/pause"));
        http::send(
            &self.config,
            "smartlead",
            || {
                self.config
                    .client
                    .post(&url)
                    .query(&[("api_key", self.config.key())])
            },
            classify("smartlead"),
        )
        .await?;
        Ok(Stopped::Stopped)
    }

    /// Reads a Smartlead webhook payload: `Ok(None)` unless it is an `EMAIL_BOUNCE` event,
    /// which must name the lead's address (`sl_lead_email` or `to_email`).
    pub fn parse_bounce(payload: &Value) -> Result<Option<EmailBounce>, MalformedWebhook> {
        if payload["event_type"].as_str() != Some("EMAIL_BOUNCE") {
            return Ok(None);
        }
        bounce(
            payload,
            &["to_email", "sl_lead_email"],
            &payload["campaign_id"],
        )
    }

    /// Reads a Smartlead webhook payload; `None` unless it is an `EMAIL_REPLY` event.
    pub fn parse_reply(payload: &serde_json::Value) -> Option<EmailReply> {
        if payload["event_type"].as_str()? != "EMAIL_REPLY" {
            return None;
        }
        let campaign = match &payload["campaign_id"] {
            serde_json::Value::Number(n) => n.to_string(),
            v => v.as_str()?.to_owned(),
        };
        Some(EmailReply {
            campaign_id: campaign,
            lead_email: payload["sl_lead_email"]
                .as_str()
                .or(payload["to_email"].as_str())?
                .to_owned(),
            text: payload["reply_message"]["text"]
                .as_str()
                .or(payload["preview_text"].as_str())
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_reply_webhooks_and_ignores_other_events() {
        let instantly = json!({"event_type": "reply_received", "campaign_id": "c-1", "lead_email": "jane@acme.com", "reply_text": "Yes please"});
        assert_eq!(
            Instantly::parse_reply(&instantly),
            Some(EmailReply {
                campaign_id: "c-1".into(),
                lead_email: "jane@acme.com".into(),
                text: "Yes please".into()
            })
        );
        assert_eq!(
            Instantly::parse_reply(&json!({"event_type": "email_opened"})),
            None
        );
        let smartlead = json!({"event_type": "EMAIL_REPLY", "campaign_id": 42, "sl_lead_email": "bo@x.io", "reply_message": {"text": "Stop"}});
        assert_eq!(
            Smartlead::parse_reply(&smartlead).unwrap().campaign_id,
            "42"
        );
        assert_eq!(
            Smartlead::parse_reply(&json!({"event_type": "EMAIL_SENT"})),
            None
        );
        assert_eq!(Smartlead::parse_reply(&json!("garbage")), None);
    }

    #[test]
    fn reads_bounce_webhooks_and_names_a_missing_address() {
        let instantly = json!({"timestamp": "2026-05-01T10:00:00.000Z", "event_type": "email_bounced",
            "campaign_id": "c-1", "lead_email": "Jane@Acme.com"});
        assert_eq!(
            Instantly::parse_bounce(&instantly),
            Ok(Some(EmailBounce {
                campaign_id: Some("c-1".into()),
                email: "Jane@Acme.com".into()
            }))
        );
        assert_eq!(
            Instantly::parse_bounce(&json!({"event_type": "reply_received"})),
            Ok(None)
        );
        let e = Instantly::parse_bounce(&json!({"event_type": "email_bounced"})).unwrap_err();
        assert_eq!(e.field, "lead_email");
        let smartlead = json!({"event_type": "EMAIL_BOUNCE", "campaign_id": 42, "to_email": "bo@x.io",
            "from_email": "us@ours.io"});
        assert_eq!(
            Smartlead::parse_bounce(&smartlead),
            Ok(Some(EmailBounce {
                campaign_id: Some("42".into()),
                email: "bo@x.io".into()
            }))
        );
        let e = Smartlead::parse_bounce(&json!({"event_type": "EMAIL_BOUNCE", "to_email": 5}))
            .unwrap_err();
        assert_eq!(e.field, "to_email");
        assert_eq!(
            Smartlead::parse_bounce(&json!({"event_type": "EMAIL_SENT"})),
            Ok(None)
        );
    }

    #[test]
    fn only_plain_ids_go_into_paths() {
        assert_eq!(path_id(&json!(423)).as_deref(), Some("423"));
        assert_eq!(path_id(&json!("0190a-b_c")).as_deref(), Some("0190a-b_c"));
        assert_eq!(path_id(&json!("../campaigns")), None);
        assert_eq!(path_id(&json!("a/b")), None);
        assert_eq!(path_id(&json!(null)), None);
    }
}
