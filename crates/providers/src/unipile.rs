//! Unipile API v1, LinkedIn's side of RevOS: accounts and hosted-auth links, posts and their
//! comments, profiles and relations, chats and messages. Authenticated with `X-API-KEY`;
//! lists page with an opaque `cursor`; errors are problem-details JSON whose `type` is kept.

use crate::http::{self, HttpConfig, ProviderError, ProviderErrorKind};
use crate::traits::PostAttachment;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

const PROVIDER: &str = "unipile";

/// One page of a Unipile list.
#[derive(Clone, Debug, Deserialize)]
pub struct Page<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    /// Pass back for the next page; `None` on the last.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// A connected account.
#[derive(Clone, Debug, Deserialize)]
pub struct Account {
    /// Unipile's account id.
    pub id: String,
    /// Its display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `LINKEDIN`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Connection sources and their status (`OK`, `CREDENTIALS`, `STOPPED`, …).
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// A connection source of an account.
#[derive(Clone, Debug, Deserialize)]
pub struct Source {
    /// Its status.
    #[serde(default)]
    pub status: Option<String>,
}

/// A LinkedIn post.
#[derive(Clone, Debug, Deserialize)]
pub struct Post {
    /// The post id.
    pub id: String,
    /// The activity URN to use for comments (`urn:li:activity:…`).
    #[serde(default)]
    pub social_id: Option<String>,
    /// Its text.
    #[serde(default)]
    pub text: Option<String>,
    /// Its comment count.
    #[serde(default)]
    pub comment_counter: Option<i64>,
    /// Its reaction count.
    #[serde(default)]
    pub reaction_counter: Option<i64>,
    /// Its repost count.
    #[serde(default)]
    pub repost_counter: Option<i64>,
    /// Its impressions (shown to the author only).
    #[serde(default)]
    pub impressions_counter: Option<i64>,
    /// Its public URL.
    #[serde(default)]
    pub share_url: Option<String>,
}

/// The profile of the account's owner (`GET /users/me`).
#[derive(Clone, Debug, Deserialize)]
pub struct OwnProfile {
    /// The owner's LinkedIn provider id (`ACo…`): their posts are listed under it.
    pub provider_id: String,
}

impl Post {
    /// The id comments must be listed under: `social_id`, as a URN.
    pub fn comments_id(&self) -> String {
        match &self.social_id {
            Some(s) if s.starts_with("urn:") => s.clone(),
            _ => format!("urn:li:activity:{}", self.id),
        }
    }
}

/// A comment on a post.
#[derive(Clone, Debug, Deserialize)]
pub struct Comment {
    /// The comment id.
    pub id: String,
    /// The commenter's name.
    #[serde(default)]
    pub author: Option<String>,
    /// Who commented.
    #[serde(default)]
    pub author_details: AuthorDetails,
    /// When (ISO 8601).
    #[serde(default)]
    pub date: Option<String>,
    /// What they wrote.
    #[serde(default)]
    pub text: String,
}

/// The commenter.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthorDetails {
    /// Their LinkedIn provider id (`ACo…`), viewer-scoped.
    #[serde(default)]
    pub id: Option<String>,
    /// Their headline.
    #[serde(default)]
    pub headline: Option<String>,
    /// Their profile URL.
    #[serde(default)]
    pub profile_url: Option<String>,
    /// `FIRST_DEGREE`, `SECOND_DEGREE`, `THIRD_DEGREE`, `OUT_OF_NETWORK`.
    #[serde(default)]
    pub network_distance: Option<String>,
}

/// A LinkedIn profile.
#[derive(Clone, Debug, Deserialize)]
pub struct Profile {
    /// Provider id (`ACo…`).
    pub provider_id: String,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Headline.
    #[serde(default)]
    pub headline: Option<String>,
    /// Public profile URL.
    #[serde(default)]
    pub public_profile_url: Option<String>,
    /// Distance from the account.
    #[serde(default)]
    pub network_distance: Option<String>,
}

/// A first-degree connection.
#[derive(Clone, Debug, Deserialize)]
pub struct Relation {
    /// Their provider id.
    #[serde(default)]
    pub member_id: Option<String>,
    /// Their public profile URL.
    #[serde(default)]
    pub public_profile_url: Option<String>,
}

/// A chat message.
#[derive(Clone, Debug, Deserialize)]
pub struct Message {
    /// The message id.
    pub id: String,
    /// Its text.
    #[serde(default)]
    pub text: Option<String>,
    /// True when the connected account sent it.
    #[serde(default)]
    pub is_sender: bool,
    /// When (ISO 8601).
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// A chat in the account's inbox.
#[derive(Clone, Debug, Deserialize)]
pub struct ChatSummary {
    /// The chat id.
    pub id: String,
    /// The other person's provider id, for one-to-one chats (field name UNCONFIRMED in the
    /// documentation; read leniently).
    #[serde(default)]
    pub attendee_provider_id: Option<String>,
    /// When its last message came (ISO 8601).
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// The ids a started chat answers with.
#[derive(Clone, Debug, Deserialize)]
pub struct ChatStarted {
    /// The new (or existing one-to-one) chat.
    pub chat_id: String,
    /// The message sent.
    #[serde(default)]
    pub message_id: Option<String>,
}

#[derive(Deserialize)]
struct MessageSent {
    #[serde(default)]
    message_id: Option<String>,
}

/// What a hosted-auth link asks Unipile for (api-notes.md, "Hosted auth link body").
#[derive(Clone, Copy, Debug)]
pub struct HostedLinkSpec<'a> {
    /// Ours to recognise the notification by.
    pub name: &'a str,
    /// Where Unipile posts `{status, account_id, name}`.
    pub notify_url: &'a str,
    /// `https://{DSN}`.
    pub api_url: &'a str,
    /// When the link stops working, ISO 8601 with milliseconds.
    pub expires_on: &'a str,
    /// The Unipile account to reconnect; `None` connects a new one.
    pub reconnect_account: Option<&'a str>,
    /// Where the person's browser goes once connected.
    pub success_redirect_url: Option<&'a str>,
}

#[derive(Deserialize)]
struct HostedAuthUrl {
    url: String,
}

/// The Unipile client.
#[derive(Clone, Debug)]
pub struct Unipile {
    config: HttpConfig,
}

impl Unipile {
    /// A client for the Unipile API at `config.base_url` (`https://{DSN}/api/v1`).
    pub fn new(config: HttpConfig) -> Self {
        Self { config }
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> reqwest::RequestBuilder {
        self.config
            .client
            .get(self.config.url(path))
            .query(query)
            .header("X-API-KEY", self.config.key())
            .header("accept", "application/json")
    }

    fn post_to(&self, url: &str) -> reqwest::RequestBuilder {
        self.config
            .client
            .post(url)
            .header("X-API-KEY", self.config.key())
    }

    /// Calls that change something on LinkedIn and cannot be repeated safely (a timed-out
    /// send may have been delivered) are made once: the caller reconciles before retrying.
    async fn call_once<T: DeserializeOwned>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let once = HttpConfig {
            max_retries: 0,
            ..self.config.clone()
        };
        let (_, body) = http::send(&once, PROVIDER, build, classify).await?;
        serde_json::from_str(&body).map_err(|e| {
            ProviderError::new(
                PROVIDER,
                ProviderErrorKind::Transient,
                format!("the answer is not the documented shape: {e}"),
            )
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let (_, body) = http::send(&self.config, PROVIDER, build, classify).await?;
        serde_json::from_str(&body).map_err(|e| {
            ProviderError::new(
                PROVIDER,
                ProviderErrorKind::Transient,
                format!("the answer is not the documented shape: {e}"),
            )
        })
    }

    /// Reads a connected account.
    pub async fn account(&self, account_id: &str) -> Result<Account, ProviderError> {
        let path = format!("accounts/{}", encode(account_id));
        self.call(|| self.get(&path, &[])).await
    }

    /// A hosted-auth link where a person connects their LinkedIn account (or, with
    /// `link.reconnect_account`, reconnects that one); Unipile then posts `{status,
    /// account_id, name}` to `link.notify_url`, `name` being ours to match it, and sends the
    /// person to `link.success_redirect_url` when given.
    pub async fn hosted_auth_link(
        &self,
        link: &HostedLinkSpec<'_>,
    ) -> Result<String, ProviderError> {
        let mut body = serde_json::json!({
            "type": if link.reconnect_account.is_some() { "reconnect" } else { "create" },
            "providers": ["LINKEDIN"], "api_url": link.api_url,
            "expiresOn": link.expires_on, "name": link.name, "notify_url": link.notify_url,
        });
        if let Some(account) = link.reconnect_account {
            body["reconnect_account"] = serde_json::json!(account);
        }
        if let Some(to) = link.success_redirect_url {
            body["success_redirect_url"] = serde_json::json!(to);
        }
        let url = self.config.url("hosted/accounts/link");
        let link: HostedAuthUrl = self.call(|| self.post_to(&url).json(&body)).await?;
        Ok(link.url)
    }

    /// Reads a post.
    pub async fn post(&self, account_id: &str, post_id: &str) -> Result<Post, ProviderError> {
        let path = format!("posts/{}", encode(post_id));
        self.call(|| self.get(&path, &[("account_id", account_id)]))
            .await
    }

    /// Publishes a post with its attachments (images or one PDF document), sent as
    /// `multipart/form-data` file fields named `attachments`, in order. Unipile may answer
    /// without the new post's id; find it then among the owner's recent posts by its text.
    pub async fn create_post(
        &self,
        account_id: &str,
        text: &str,
        attachments: &[PostAttachment],
    ) -> Result<Option<String>, ProviderError> {
        #[derive(Deserialize)]
        struct Created {
            #[serde(default)]
            post_id: Option<String>,
        }
        for a in attachments {
            if reqwest::multipart::Part::bytes(Vec::new())
                .mime_str(&a.content_type)
                .is_err()
            {
                return Err(ProviderError::new(
                    PROVIDER,
                    ProviderErrorKind::Permanent,
                    format!("attachment {:?} has no valid content type", a.name),
                ));
            }
        }
        let url = self.config.url("posts");
        let created: Created = self
            .call_once(|| {
                let form = attachments.iter().fold(
                    form(&[("account_id", account_id), ("text", text)]),
                    |f, a| f.part("attachments", attachment_part(a)),
                );
                self.post_to(&url).multipart(form)
            })
            .await?;
        Ok(created.post_id)
    }

    /// The profile of the account's owner.
    pub async fn own_profile(&self, account_id: &str) -> Result<OwnProfile, ProviderError> {
        self.call(|| self.get("users/me", &[("account_id", account_id)]))
            .await
    }

    /// A user's most recent posts (up to `limit`), `identifier` being their provider id or
    /// public identifier.
    pub async fn user_posts(
        &self,
        account_id: &str,
        identifier: &str,
        limit: u32,
    ) -> Result<Page<Post>, ProviderError> {
        let path = format!("users/{}/posts", encode(identifier));
        let limit = limit.clamp(1, 100).to_string();
        self.call(|| {
            self.get(
                &path,
                &[("account_id", account_id), ("limit", limit.as_str())],
            )
        })
        .await
    }

    /// One page of a post's comments (most recent first), `post_id` being its `social_id`.
    pub async fn comments(
        &self,
        account_id: &str,
        post_id: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<Comment>, ProviderError> {
        let path = format!("posts/{}/comments", encode(post_id));
        let limit = limit.clamp(1, 100).to_string();
        let mut query = vec![
            ("account_id", account_id),
            ("limit", limit.as_str()),
            ("sort_by", "MOST_RECENT"),
        ];
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
        self.call(|| self.get(&path, &query)).await
    }

    /// Replies publicly to a comment on a post.
    pub async fn reply_to_comment(
        &self,
        account_id: &str,
        post_id: &str,
        comment_id: &str,
        text: &str,
    ) -> Result<(), ProviderError> {
        let url = self
            .config
            .url(&format!("posts/{}/comments", encode(post_id)));
        let body =
            serde_json::json!({ "account_id": account_id, "text": text, "comment_id": comment_id });
        let _: serde_json::Value = self.call_once(|| self.post_to(&url).json(&body)).await?;
        Ok(())
    }

    /// Reads a profile by provider id or public identifier.
    pub async fn profile(
        &self,
        account_id: &str,
        identifier: &str,
    ) -> Result<Profile, ProviderError> {
        let path = format!("users/{}", encode(identifier));
        self.call(|| self.get(&path, &[("account_id", account_id)]))
            .await
    }

    /// One page of the account's first-degree connections.
    pub async fn relations(
        &self,
        account_id: &str,
        cursor: Option<&str>,
    ) -> Result<Page<Relation>, ProviderError> {
        let mut query = vec![("account_id", account_id), ("limit", "1000")];
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
        self.call(|| self.get("users/relations", &query)).await
    }

    /// Starts (or continues) the one-to-one chat with a first-degree connection by sending
    /// `text`. Not idempotent: callers record the attempt first and reconcile with
    /// [`Unipile::messages`] before ever sending again.
    pub async fn start_chat(
        &self,
        account_id: &str,
        attendee_id: &str,
        text: &str,
    ) -> Result<ChatStarted, ProviderError> {
        let url = self.config.url("chats");
        self.call_once(|| {
            self.post_to(&url).multipart(form(&[
                ("account_id", account_id),
                ("attendees_ids", attendee_id),
                ("text", text),
            ]))
        })
        .await
    }

    /// Sends `text` in an existing chat; returns the message id when Unipile gives one.
    pub async fn send_message(
        &self,
        account_id: &str,
        chat_id: &str,
        text: &str,
    ) -> Result<Option<String>, ProviderError> {
        let url = self
            .config
            .url(&format!("chats/{}/messages", encode(chat_id)));
        let sent: MessageSent = self
            .call_once(|| {
                self.post_to(&url)
                    .multipart(form(&[("account_id", account_id), ("text", text)]))
            })
            .await?;
        Ok(sent.message_id)
    }

    /// One page (of up to 250) of the account's chats, most recent first: only those with a
    /// message after `after` (ISO 8601, exclusive) when given; `cursor` continues a listing.
    pub async fn chats(
        &self,
        account_id: &str,
        after: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Page<ChatSummary>, ProviderError> {
        let mut query = vec![
            ("account_id", account_id),
            ("account_type", "LINKEDIN"),
            ("limit", "250"),
        ];
        if let Some(a) = after {
            query.push(("after", a));
        }
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
        self.call(|| self.get("chats", &query)).await
    }

    /// One page of a chat's messages, newest first.
    pub async fn messages(
        &self,
        chat_id: &str,
        cursor: Option<&str>,
    ) -> Result<Page<Message>, ProviderError> {
        let path = format!("chats/{}/messages", encode(chat_id));
        let mut query = vec![("limit", "50")];
        if let Some(c) = cursor {
            query.push(("cursor", c));
        }
        self.call(|| self.get(&path, &query)).await
    }
}

/// A multipart form of text fields.
fn form(fields: &[(&'static str, &str)]) -> Form {
    fields.iter().fold(Form::new(), |f, (name, value)| {
        f.text(*name, (*value).to_owned())
    })
}

/// One attachment as a multipart file part (its content type was checked before).
fn attachment_part(a: &PostAttachment) -> Part {
    let part = || Part::bytes(a.bytes.to_vec()).file_name(a.name.clone());
    part().mime_str(&a.content_type).unwrap_or_else(|_| part())
}

/// Percent-encodes a path segment (URNs carry `:`).
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Unipile's problem-details errors: the `type` decides. Rate limits and "cannot resend yet"
/// are rate-limited; 5xx (including `errors/provider_error`, which LinkedIn limits also
/// cause) transient; credentials, restrictions and unreachable recipients permanent.
fn classify(status: u16, headers: &reqwest::header::HeaderMap, body: &str) -> ProviderError {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let kind_str = v["type"].as_str().map(str::to_owned);
    let message = v["detail"]
        .as_str()
        .or(v["title"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let kind = match (status, kind_str.as_deref()) {
        (429, _) => ProviderErrorKind::RateLimited,
        (_, Some("errors/cannot_resend_yet" | "errors/limit_exceeded")) => {
            ProviderErrorKind::RateLimited
        }
        (500..=599, _) => ProviderErrorKind::Transient,
        _ => ProviderErrorKind::Permanent,
    };
    let mut err = ProviderError::new(PROVIDER, kind, message);
    err.retry_after = http::retry_after(headers);
    if kind_str.as_deref() == Some("errors/cannot_resend_yet") && err.retry_after.is_none() {
        err.retry_after = Some(Duration::from_secs(24 * 3600));
    }
    err.provider_type = kind_str;
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_urns_for_paths() {
        assert_eq!(encode("urn:li:activity:733"), "urn%3Ali%3Aactivity%3A733");
        assert_eq!(encode("zYnh13HWV76_G3KyE-cAyg"), "zYnh13HWV76_G3KyE-cAyg");
    }

    #[test]
    fn comments_use_the_activity_urn() {
        let p = Post {
            id: "733".into(),
            social_id: None,
            text: None,
            comment_counter: None,
            reaction_counter: None,
            repost_counter: None,
            impressions_counter: None,
            share_url: None,
        };
        assert_eq!(p.comments_id(), "urn:li:activity:733");
    }
}
