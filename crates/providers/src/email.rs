//! Email sequencers: adding a lead to an Instantly (API v2) or Smartlead campaign with
//! personalisation variables, and reading their reply webhooks. Adding is made idempotent by
//! the providers' own "skip if already in campaign" options, so a retried call never enrols
//! a lead twice.

use crate::http::{self, HttpConfig, ProviderError, ProviderErrorKind};
use serde::Deserialize;
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
    http: reqwest::Client,
}

impl Instantly {
    /// A client for Instantly at `config.base_url` (`https://api.instantly.ai/api/v2`).
    pub fn new(config: HttpConfig) -> Self {
        Self {
            config,
            http: reqwest::Client::new(),
        }
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
                self.http
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
    http: reqwest::Client,
}

impl Smartlead {
    /// A client for Smartlead at `config.base_url` (`https://server.smartlead.ai/api/v1`).
    pub fn new(config: HttpConfig) -> Self {
        Self {
            config,
            http: reqwest::Client::new(),
        }
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
                self.http
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
}
