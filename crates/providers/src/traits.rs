//! One trait per external capability, so the engine runs the same against the real services
//! and against the sandbox.

use crate::ProviderError;
use crate::apollo::{Apollo, Person};
use crate::email::{Added, EmailLead, Instantly, Smartlead, Stopped};
use crate::unipile::Unipile;
use async_trait::async_trait;

/// Someone who commented, as LinkedIn shows them to the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commenter {
    /// LinkedIn provider id (viewer-scoped).
    pub provider_id: String,
    /// Display name.
    pub name: String,
    /// Headline.
    pub headline: Option<String>,
    /// Profile URL.
    pub profile_url: Option<String>,
    /// Whether they are a first-degree connection, when LinkedIn says.
    pub connected: Option<bool>,
}

/// A comment on a watched post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostComment {
    /// The provider's comment id.
    pub id: String,
    /// Who wrote it.
    pub author: Commenter,
    /// What they wrote.
    pub text: String,
}

/// One page of comments, newest first.
#[derive(Clone, Debug, Default)]
pub struct CommentPage {
    /// The comments.
    pub items: Vec<PostComment>,
    /// Pass back for the next page.
    pub cursor: Option<String>,
}

/// A message in a one-to-one chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    /// The provider's message id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// True when the account sent it.
    pub from_us: bool,
    /// When it was sent, when the provider says.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A chat of the account with activity after some instant, as the provider lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatActivity {
    /// The chat id.
    pub id: String,
    /// When its last message came, when the provider says.
    pub last_message_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One page of the account's recently active chats, most recent first.
#[derive(Clone, Debug, Default)]
pub struct ChatPage {
    /// The chats.
    pub items: Vec<ChatActivity>,
    /// Pass back for the next page; `None` on the last.
    pub cursor: Option<String>,
}

/// A DM that went out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentDm {
    /// The chat it went to (kept to reconcile and to read replies).
    pub chat_id: String,
    /// Its id, when the provider gives one.
    pub message_id: Option<String>,
}

/// A post the account published, as its recent posts list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnPost {
    /// The provider's post id.
    pub id: String,
    /// Its text.
    pub text: String,
    /// Where it can be seen, when the provider says.
    pub url: Option<String>,
}

/// A file published with a post: an image, or a PDF shown as a document (carousel).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostAttachment {
    /// Its file name.
    pub name: String,
    /// Its media type (`image/png`, `application/pdf`, …).
    pub content_type: String,
    /// Its bytes.
    pub bytes: bytes::Bytes,
}

/// A post that was just published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedPost {
    /// Its id, when the provider gives one (Unipile may not: find it among
    /// [`LinkedIn::recent_posts`] by its text).
    pub id: Option<String>,
    /// Where it can be seen, when the provider says.
    pub url: Option<String>,
}

/// A post's counts; `None` where the provider gives none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostMetrics {
    /// Reactions.
    pub reactions: Option<i64>,
    /// Comments.
    pub comments: Option<i64>,
    /// Reposts.
    pub reposts: Option<i64>,
    /// Impressions (LinkedIn shows them to the author only; often zero or absent).
    pub impressions: Option<i64>,
    /// Where it can be seen.
    pub url: Option<String>,
}

/// LinkedIn, through Unipile or the sandbox.
#[async_trait]
pub trait LinkedIn: Send + Sync {
    /// True for the simulated world: nothing reaches LinkedIn.
    fn is_sandbox(&self) -> bool;
    /// The LinkedIn member id of the account's owner (Unipile's `GET /users/me`), so that the
    /// owner's own comments never become leads.
    async fn owner(&self, account: &str) -> Result<String, ProviderError>;
    /// One page of a post's comments, newest first.
    async fn comments(
        &self,
        account: &str,
        post: &str,
        cursor: Option<&str>,
    ) -> Result<CommentPage, ProviderError>;
    /// Whether `person` is a first-degree connection of `account` (only they can be DMed).
    async fn is_connected(&self, account: &str, person: &str) -> Result<bool, ProviderError>;
    /// The id that starting a chat with `person` needs: `person` itself unless the provider
    /// tells public identifiers (a lead imported from a profile URL) from member ids, in
    /// which case it looks the member id up.
    async fn member_id(&self, _account: &str, person: &str) -> Result<String, ProviderError> {
        Ok(person.to_owned())
    }
    /// Sends a DM. Not idempotent: record the attempt before, reconcile with
    /// [`LinkedIn::chat_messages`] before ever sending again.
    async fn send_dm(
        &self,
        account: &str,
        person: &str,
        text: &str,
    ) -> Result<SentDm, ProviderError>;
    /// Sends `text` in the existing chat `chat_id` (an answer written in the inbox); returns
    /// the message's id when the provider gives one. Not idempotent: callers record the
    /// attempt first and reconcile with [`LinkedIn::chat_messages`] before ever sending again.
    async fn send_in_chat(
        &self,
        account: &str,
        chat_id: &str,
        text: &str,
    ) -> Result<Option<String>, ProviderError>;
    /// The messages of a chat, newest first.
    async fn chat_messages(
        &self,
        account: &str,
        chat_id: &str,
    ) -> Result<Vec<ChatMessage>, ProviderError>;
    /// One page of the account's chats with a message after `after`, most recent first (the
    /// reply poller reads only the chats that changed since its last poll).
    async fn recent_chats(
        &self,
        account: &str,
        after: chrono::DateTime<chrono::Utc>,
        cursor: Option<&str>,
    ) -> Result<ChatPage, ProviderError>;
    /// The account's one-to-one chat with `person`, if there is one (to reconcile a DM whose
    /// chat id was never learnt).
    async fn find_chat(&self, account: &str, person: &str)
    -> Result<Option<String>, ProviderError>;
    /// Replies publicly under a comment.
    async fn reply_to_comment(
        &self,
        account: &str,
        post: &str,
        comment_id: &str,
        text: &str,
    ) -> Result<(), ProviderError>;
    /// Publishes a post with its attachments, in order (none for a text post). Not
    /// idempotent: record the attempt before, and look among [`LinkedIn::recent_posts`]
    /// before ever publishing again.
    async fn create_post(
        &self,
        account: &str,
        text: &str,
        attachments: &[PostAttachment],
    ) -> Result<CreatedPost, ProviderError>;
    /// The account's own most recent posts, newest first.
    async fn recent_posts(&self, account: &str) -> Result<Vec<OwnPost>, ProviderError>;
    /// A post's current counts.
    async fn post_metrics(&self, account: &str, post: &str) -> Result<PostMetrics, ProviderError>;
}

/// Lead enrichment (Apollo or the sandbox).
#[async_trait]
pub trait Enricher: Send + Sync {
    /// True for the simulated world.
    fn is_sandbox(&self) -> bool;
    /// What is known about the person behind a LinkedIn URL; `None` without a match.
    async fn enrich(&self, linkedin_url: &str) -> Result<Option<Person>, ProviderError>;
}

/// Email sequences (Instantly, Smartlead or the sandbox).
#[async_trait]
pub trait EmailSequencer: Send + Sync {
    /// True for the simulated world.
    fn is_sandbox(&self) -> bool;
    /// Adds a lead to a campaign; idempotent.
    async fn add_lead(&self, campaign: &str, lead: &EmailLead) -> Result<Added, ProviderError>;
    /// Stops the sequence of `email` in a campaign (after it bounced); idempotent.
    async fn stop_lead(&self, campaign: &str, email: &str) -> Result<Stopped, ProviderError>;
}

/// The activity URN comments are listed under.
fn activity_urn(post: &str) -> String {
    if post.starts_with("urn:") {
        post.to_owned()
    } else {
        format!("urn:li:activity:{post}")
    }
}

#[async_trait]
impl LinkedIn for Unipile {
    fn is_sandbox(&self) -> bool {
        false
    }

    async fn owner(&self, account: &str) -> Result<String, ProviderError> {
        Ok(self.own_profile(account).await?.provider_id)
    }

    async fn comments(
        &self,
        account: &str,
        post: &str,
        cursor: Option<&str>,
    ) -> Result<CommentPage, ProviderError> {
        let page = Unipile::comments(self, account, &activity_urn(post), cursor, 100).await?;
        let items = page
            .items
            .into_iter()
            .filter_map(|c| {
                let d = c.author_details;
                Some(PostComment {
                    id: c.id,
                    author: Commenter {
                        provider_id: d.id?,
                        name: c.author.unwrap_or_default(),
                        headline: d.headline,
                        profile_url: d.profile_url,
                        connected: d.network_distance.map(|n| n == "FIRST_DEGREE"),
                    },
                    text: c.text,
                })
            })
            .collect();
        Ok(CommentPage {
            items,
            cursor: page.cursor,
        })
    }

    async fn is_connected(&self, account: &str, person: &str) -> Result<bool, ProviderError> {
        let profile = self.profile(account, person).await?;
        Ok(profile.network_distance.as_deref() == Some("FIRST_DEGREE"))
    }

    async fn member_id(&self, account: &str, person: &str) -> Result<String, ProviderError> {
        if revos_domain::linkedin_id::is_member_id(person) {
            return Ok(person.to_owned());
        }
        // `GET /users/{identifier}` takes a public identifier and answers the member id.
        Ok(self.profile(account, person).await?.provider_id)
    }

    async fn send_dm(
        &self,
        account: &str,
        person: &str,
        text: &str,
    ) -> Result<SentDm, ProviderError> {
        let started = self.start_chat(account, person, text).await?;
        Ok(SentDm {
            chat_id: started.chat_id,
            message_id: started.message_id,
        })
    }

    async fn send_in_chat(
        &self,
        account: &str,
        chat_id: &str,
        text: &str,
    ) -> Result<Option<String>, ProviderError> {
        self.send_message(account, chat_id, text).await
    }

    async fn chat_messages(
        &self,
        _account: &str,
        chat_id: &str,
    ) -> Result<Vec<ChatMessage>, ProviderError> {
        let page = self.messages(chat_id, None).await?;
        Ok(page
            .items
            .into_iter()
            .map(|m| ChatMessage {
                at: m
                    .timestamp
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&chrono::Utc)),
                id: m.id,
                text: m.text.unwrap_or_default(),
                from_us: m.is_sender,
            })
            .collect())
    }

    async fn recent_chats(
        &self,
        account: &str,
        after: chrono::DateTime<chrono::Utc>,
        cursor: Option<&str>,
    ) -> Result<ChatPage, ProviderError> {
        let after = after.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let page = self.chats(account, Some(&after), cursor).await?;
        Ok(ChatPage {
            items: page
                .items
                .into_iter()
                .map(|c| ChatActivity {
                    last_message_at: c
                        .timestamp
                        .as_deref()
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&chrono::Utc)),
                    id: c.id,
                })
                .collect(),
            cursor: page.cursor,
        })
    }

    async fn find_chat(
        &self,
        account: &str,
        person: &str,
    ) -> Result<Option<String>, ProviderError> {
        let page = self.chats(account, None, None).await?;
        Ok(page
            .items
            .into_iter()
            .find(|c| c.attendee_provider_id.as_deref() == Some(person))
            .map(|c| c.id))
    }

    async fn reply_to_comment(
        &self,
        account: &str,
        post: &str,
        comment_id: &str,
        text: &str,
    ) -> Result<(), ProviderError> {
        Unipile::reply_to_comment(self, account, &activity_urn(post), comment_id, text).await
    }

    async fn create_post(
        &self,
        account: &str,
        text: &str,
        attachments: &[PostAttachment],
    ) -> Result<CreatedPost, ProviderError> {
        let id = Unipile::create_post(self, account, text, attachments).await?;
        Ok(CreatedPost { id, url: None })
    }

    async fn recent_posts(&self, account: &str) -> Result<Vec<OwnPost>, ProviderError> {
        let me = self.own_profile(account).await?;
        let page = self.user_posts(account, &me.provider_id, 20).await?;
        Ok(page
            .items
            .into_iter()
            .map(|p| OwnPost {
                id: p.id,
                text: p.text.unwrap_or_default(),
                url: p.share_url,
            })
            .collect())
    }

    async fn post_metrics(&self, account: &str, post: &str) -> Result<PostMetrics, ProviderError> {
        let p = self.post(account, post).await?;
        Ok(PostMetrics {
            reactions: p.reaction_counter,
            comments: p.comment_counter,
            reposts: p.repost_counter,
            impressions: p.impressions_counter,
            url: p.share_url,
        })
    }
}

#[async_trait]
impl Enricher for Apollo {
    fn is_sandbox(&self) -> bool {
        false
    }

    async fn enrich(&self, linkedin_url: &str) -> Result<Option<Person>, ProviderError> {
        self.match_person(linkedin_url).await
    }
}

#[async_trait]
impl EmailSequencer for Instantly {
    fn is_sandbox(&self) -> bool {
        false
    }

    async fn add_lead(&self, campaign: &str, lead: &EmailLead) -> Result<Added, ProviderError> {
        Instantly::add_lead(self, campaign, lead).await
    }

    async fn stop_lead(&self, campaign: &str, email: &str) -> Result<Stopped, ProviderError> {
        Instantly::stop_lead(self, campaign, email).await
    }
}

#[async_trait]
impl EmailSequencer for Smartlead {
    fn is_sandbox(&self) -> bool {
        false
    }

    async fn add_lead(&self, campaign: &str, lead: &EmailLead) -> Result<Added, ProviderError> {
        Smartlead::add_lead(self, campaign, lead).await
    }

    async fn stop_lead(&self, campaign: &str, email: &str) -> Result<Stopped, ProviderError> {
        Smartlead::stop_lead(self, campaign, email).await
    }
}
