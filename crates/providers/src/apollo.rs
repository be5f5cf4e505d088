//! Apollo.io people enrichment: `POST /people/match` by LinkedIn URL.

use crate::http::{self, HttpConfig, ProviderError, ProviderErrorKind};
use serde::Deserialize;

const PROVIDER: &str = "apollo";

/// What Apollo knows about a person (the fields RevOS keeps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// Apollo's id of the person.
    pub id: Option<String>,
    /// Work email, when unlocked.
    pub email: Option<String>,
    /// `verified`, `unverified`, `bounced`, `unavailable`, or another string Apollo sends.
    pub email_status: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Company name.
    pub company: Option<String>,
    /// Company industry.
    pub industry: Option<String>,
    /// Estimated employees.
    pub company_size: Option<i64>,
}

#[derive(Deserialize)]
struct MatchResponse {
    person: Option<RawPerson>,
}

#[derive(Deserialize)]
struct RawPerson {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_status: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    organization: Option<RawOrganization>,
}

#[derive(Deserialize)]
struct RawOrganization {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    industry: Option<String>,
    #[serde(default)]
    estimated_num_employees: Option<i64>,
}

/// The Apollo client.
#[derive(Clone, Debug)]
pub struct Apollo {
    config: HttpConfig,
}

impl Apollo {
    /// A client for the Apollo API at `config.base_url`.
    pub fn new(config: HttpConfig) -> Self {
        Self { config }
    }

    /// Finds the person behind a LinkedIn profile URL. `None` when Apollo has no match (no
    /// credit is used then).
    pub async fn match_person(&self, linkedin_url: &str) -> Result<Option<Person>, ProviderError> {
        let url = self.config.url("people/match");
        let body =
            serde_json::json!({ "linkedin_url": linkedin_url, "reveal_personal_emails": false });
        let (_, text) = http::send(
            &self.config,
            PROVIDER,
            || {
                self.config
                    .client
                    .post(&url)
                    .header("X-Api-Key", self.config.key())
                    .header("Cache-Control", "no-cache")
                    .json(&body)
            },
            classify,
        )
        .await?;
        let parsed: MatchResponse = serde_json::from_str(&text).map_err(|e| {
            ProviderError::new(
                PROVIDER,
                ProviderErrorKind::Transient,
                format!("the answer is not the documented shape: {e}"),
            )
        })?;
        Ok(parsed.person.map(|p| {
            let org = p.organization;
            Person {
                id: p.id,
                // Apollo writes a placeholder for emails the plan has not unlocked.
                email: p.email.filter(|e| !e.starts_with("email_not_unlocked@")),
                email_status: p.email_status,
                title: p.title,
                company: org.as_ref().and_then(|o| o.name.clone()),
                industry: org.as_ref().and_then(|o| o.industry.clone()),
                company_size: org.and_then(|o| o.estimated_num_employees),
            }
        }))
    }
}

/// Apollo's error answers: 429 is a rate limit (it usually sends no reset time, so wait a
/// minute), 5xx transient, other 4xx permanent with Apollo's code kept.
fn classify(status: u16, headers: &reqwest::header::HeaderMap, body: &str) -> ProviderError {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = v["error_details"]["code"]
        .as_str()
        .or(v["error_code"].as_str())
        .map(str::to_owned);
    let message = v["message"]
        .as_str()
        .or(v["error"].as_str())
        .or(v["error_message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let kind = match status {
        429 => ProviderErrorKind::RateLimited,
        500..=599 => ProviderErrorKind::Transient,
        _ => ProviderErrorKind::Permanent,
    };
    let mut err = ProviderError::new(PROVIDER, kind, message);
    err.provider_type = code;
    if status == 429 {
        // Apollo sends no reset time; wait a minute unless it says otherwise.
        err.retry_after = http::retry_after(headers).or(Some(std::time::Duration::from_secs(60)));
    }
    err
}
