//! Replies to our DMs and emails: from Unipile's `message_received` webhook, from the
//! Instantly and Smartlead reply webhooks, and from polling each account's recently active
//! chats for those of sent DMs (webhooks can be missed). A reply is recorded once per provider
//! message, moves the lead to replied (which cancels its email fallback: the fallback only
//! sequences leads still at `dm_sent`), captures an email address written in it, and an
//! opt-out puts the person on the tenant's do-not-contact list.

use crate::pipeline_events::{self, Step};
use crate::webhooks::WebhookScope;
use crate::{App, Result};
use revos_domain::TenantId;
use revos_domain::lead::LeadStage;
use revos_domain::triggers::{find_email, is_opt_out};
use revos_store::messages::{self, Inbound};
use revos_store::{leads, linkedin_accounts, reply_poll, stages};
use uuid::Uuid;

/// How far back the reply poller looks for DMs waiting for an answer.
const REPLY_WINDOW: chrono::Duration = chrono::Duration::days(14);

/// How far before an account's last poll the next one starts listing chats: covers a message
/// the provider timestamps a little before it shows it in the listing.
pub const POLL_MARGIN: chrono::Duration = chrono::Duration::minutes(5);

/// Where a reply came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A LinkedIn DM.
    Dm,
    /// An email of the sequence.
    Email,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Dm => "dm",
            Channel::Email => "email",
        }
    }
}

/// A reply to record.
pub struct Reply<'a> {
    /// Its channel.
    pub channel: Channel,
    /// The campaign it answers, when known (otherwise every campaign of the lead).
    pub campaign: Option<Uuid>,
    /// The provider's message id.
    pub message_id: &'a str,
    /// The chat, for DMs.
    pub chat: Option<&'a str>,
    /// What they wrote.
    pub text: &'a str,
}

/// What recording a reply did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// Recorded now.
    Recorded {
        /// The reply asked not to be contacted again.
        opted_out: bool,
    },
    /// This message was recorded before.
    Duplicate,
}

/// What a webhook delivery did, for its answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookReport {
    /// Replies (or bounces) recorded.
    pub recorded: u32,
    /// Deliveries already seen, our own messages, messages from people who are not leads,
    /// and events RevOS does not act on.
    pub ignored: u32,
}

impl App {
    /// Records a reply of `lead` (of `tenant`). Takes the lead's stage locks first, so a reply
    /// and the email fallback decide one after the other: whichever commits second sees the
    /// other.
    pub async fn record_reply(
        &self,
        tenant: TenantId,
        lead: Uuid,
        reply: &Reply<'_>,
    ) -> Result<ReplyOutcome> {
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let mut stages = leads::stages(&mut tx, tenant, lead).await?;
        if let Some(c) = reply.campaign {
            stages.retain(|(id, _)| *id == c);
        }
        for (campaign, _) in &stages {
            leads::lock_stage(&mut tx, tenant, *campaign, lead).await?;
        }
        let inbound = Inbound {
            campaign: reply.campaign.or(stages.first().map(|s| s.0)),
            lead,
            channel: reply.channel.as_str(),
            provider_message_id: reply.message_id,
            chat: reply.chat,
            body: reply.text,
        };
        if !messages::insert_inbound(&mut tx, tenant, &inbound, now).await? {
            return Ok(ReplyOutcome::Duplicate);
        }
        if let Some(email) = find_email(reply.text) {
            leads::set_email_if_empty(&mut tx, tenant, lead, email.as_str(), now).await?;
        }
        let opted_out = is_opt_out(reply.text);
        let (to, kind) = match reply.channel {
            Channel::Dm => (LeadStage::Replied, "dm_replied"),
            Channel::Email => (LeadStage::EmailReplied, LeadStage::EmailReplied.as_str()),
        };
        let next = if opted_out { LeadStage::OptedOut } else { to };
        for (campaign, _) in &stages {
            pipeline_events::append(&mut tx, tenant, Step::new(kind, Some(*campaign), lead), now)
                .await?;
            // Moves only as the domain allows: an email reply from a lead who also answered
            // the DM stays replied, and a reply before our DM went out is a reply.
            stages::move_stage(&mut tx, tenant, *campaign, lead, next, now).await?;
        }
        if opted_out {
            leads::set_do_not_contact(&mut tx, tenant, lead, true, now).await?;
            let mut step = Step::new(LeadStage::OptedOut.as_str(), reply.campaign, lead);
            step.extra = serde_json::json!({ "source": reply.channel.as_str() });
            pipeline_events::append(&mut tx, tenant, step, now).await?;
        }
        tx.commit().await?;
        Ok(ReplyOutcome::Recorded { opted_out })
    }

    /// Handles a Unipile `message_received` delivery for the workspace that connected its
    /// account, when `scope` admits it (otherwise it is ignored): our own messages are
    /// dropped, a message in the chat of a sent DM (or from a known lead) is recorded as that
    /// lead's reply.
    pub async fn unipile_message(
        &self,
        m: &revos_providers::webhooks::MessageReceived,
        scope: WebhookScope,
    ) -> Result<WebhookReport> {
        let mut report = WebhookReport::default();
        let owners = self.tenants_of_account(&m.account_id, scope).await?;
        if owners.is_empty() {
            report.ignored += 1;
        }
        for (tenant, account) in owners {
            let found = {
                let mut tx = self.store.begin_read_for(tenant).await?;
                let owner = linkedin_accounts::owner_of(&mut tx, tenant, account).await?;
                let own = [m.own_user_id.as_deref(), owner.as_deref()];
                if own.contains(&Some(m.sender_provider_id.as_str())) {
                    None
                } else {
                    match messages::dm_in_chat(&mut tx, tenant, &m.chat_id).await? {
                        Some((campaign, lead)) => Some((Some(campaign), lead)),
                        None => leads::by_provider_id(&mut tx, tenant, &m.sender_provider_id)
                            .await?
                            .map(|l| (None, l.id)),
                    }
                }
            };
            let Some((campaign, lead)) = found else {
                report.ignored += 1;
                continue;
            };
            let reply = Reply {
                channel: Channel::Dm,
                campaign,
                message_id: &m.message_id,
                chat: Some(&m.chat_id),
                text: &m.text,
            };
            match self.record_reply(tenant, lead, &reply).await? {
                ReplyOutcome::Recorded { .. } => report.recorded += 1,
                ReplyOutcome::Duplicate => report.ignored += 1,
            }
        }
        Ok(report)
    }

    /// The (tenant, account) connected under a Unipile account id (one at most: an account
    /// belongs to one workspace), when `scope` admits that tenant.
    pub(crate) async fn tenants_of_account(
        &self,
        provider_account_id: &str,
        scope: WebhookScope,
    ) -> Result<Vec<(TenantId, Uuid)>> {
        let mut tx = self.store.begin_read_system().await?;
        let found = linkedin_accounts::by_provider_account(&mut tx, provider_account_id).await?;
        tx.commit().await?;
        Ok(found
            .into_iter()
            .map(|(t, a)| (TenantId(t), a))
            .filter(|(t, _)| scope.admits(*t))
            .collect())
    }

    /// Handles an Instantly or Smartlead reply webhook received on `tenant`'s own URL: the
    /// lead with that email in every campaign of that workspace sequenced into that provider
    /// campaign. Other workspaces are never looked at, whatever campaign id the body names.
    pub async fn email_reply(
        &self,
        tenant: TenantId,
        provider: revos_domain::campaign::EmailProvider,
        reply: &revos_providers::email::EmailReply,
        message_id: &str,
    ) -> Result<WebhookReport> {
        let mut report = WebhookReport::default();
        let campaigns = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let launched = revos_store::campaigns::launched(&mut tx, tenant).await?;
            tx.commit().await?;
            launched
                .into_iter()
                .filter(|(_, settings)| {
                    serde_json::from_str::<revos_domain::campaign::CampaignSpec>(settings)
                        .ok()
                        .and_then(|s| s.email_fallback)
                        .is_some_and(|f| {
                            f.provider == provider && f.campaign_id == reply.campaign_id
                        })
                })
                .map(|(c, _)| c)
                .collect::<Vec<_>>()
        };
        if campaigns.is_empty() {
            report.ignored += 1;
        }
        for campaign in campaigns {
            let found = {
                let mut tx = self.store.begin_read_for(tenant).await?;
                leads::by_email(&mut tx, tenant, &reply.lead_email).await?
            };
            for lead in found {
                let r = Reply {
                    channel: Channel::Email,
                    campaign: Some(campaign),
                    message_id,
                    chat: None,
                    text: &reply.text,
                };
                match self.record_reply(tenant, lead.id, &r).await? {
                    ReplyOutcome::Recorded { .. } => report.recorded += 1,
                    ReplyOutcome::Duplicate => report.ignored += 1,
                }
            }
        }
        Ok(report)
    }

    /// The polling fallback (webhooks can be missed): for each account that sent a DM in
    /// the last 14 days, lists the chats with a message since the account's last poll (less
    /// [`POLL_MARGIN`]), page by page, and reads only those that hold a DM still waiting for
    /// an answer, recording the replies found there. An account's mark moves to the start of
    /// this poll only when every page and every chat of it was read. Returns how many replies
    /// it recorded.
    pub async fn poll_replies(&self) -> Result<u32> {
        let started = self.now();
        let since = started - REPLY_WINDOW;
        let accounts = {
            let mut tx = self.store.begin_system().await?;
            let found = reply_poll::accounts(&mut tx, since).await?;
            tx.commit().await?;
            found
        };
        let mut recorded = 0;
        for account in accounts {
            // A provider failure of one account does not hold the others back; its mark stays
            // and its next poll covers the same chats again.
            match self.poll_account_replies(&account, since, started).await {
                Ok(n) => recorded += n,
                Err(crate::AppError::Provider(e)) => {
                    tracing::warn!(error = %e, account = %account.account_id, "listing an account's chats failed");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(recorded)
    }

    /// Polls one account's changed chats (see [`App::poll_replies`]).
    async fn poll_account_replies(
        &self,
        account: &reply_poll::PolledAccount,
        since: chrono::DateTime<chrono::Utc>,
        started: chrono::DateTime<chrono::Utc>,
    ) -> Result<u32> {
        let tenant = TenantId(account.tenant_id);
        let linkedin = self.linkedin_for(tenant, &account.provider).await?;
        let after = account
            .replies_polled_until
            .map_or(since, |until| (until - POLL_MARGIN).max(since));
        let (mut recorded, mut complete) = (0, true);
        let mut cursor: Option<String> = None;
        loop {
            let page = linkedin
                .recent_chats(&account.provider_account_id, after, cursor.as_deref())
                .await
                .map_err(crate::AppError::Provider)?;
            let ids: Vec<&str> = page.items.iter().map(|c| c.id.as_str()).collect();
            let open = {
                let mut tx = self.store.begin_for(tenant).await?;
                messages::open_dms_in_chats(&mut tx, tenant, account.account_id, &ids, since)
                    .await?
            };
            for dm in open {
                let found = match linkedin
                    .chat_messages(&account.provider_account_id, &dm.chat_id)
                    .await
                {
                    Ok(msgs) => msgs,
                    Err(e) => {
                        tracing::warn!(error = %e, chat = %dm.chat_id, "reading a chat failed");
                        complete = false;
                        continue;
                    }
                };
                // Newest first: their latest message is the reply that counts.
                if let Some(theirs) = found.iter().find(|m| !m.from_us) {
                    let reply = Reply {
                        channel: Channel::Dm,
                        campaign: Some(dm.campaign_id),
                        message_id: &theirs.id,
                        chat: Some(&dm.chat_id),
                        text: &theirs.text,
                    };
                    if let ReplyOutcome::Recorded { .. } =
                        self.record_reply(tenant, dm.lead_id, &reply).await?
                    {
                        recorded += 1;
                    }
                }
            }
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        if complete {
            let mut tx = self.store.begin_for(tenant).await?;
            reply_poll::mark(&mut tx, tenant, account.account_id, started).await?;
            tx.commit().await?;
        }
        Ok(recorded)
    }
}

/// The cron job that polls open chats for replies (the webhook's safety net).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PollReplies;

impl revos_jobs::Job for PollReplies {
    type Context = crate::App;
    const KIND: &'static str = "replies.poll";
    const QUEUE: &'static str = "system";
    const MAX_ATTEMPTS: u32 = 3;

    fn tenant(&self) -> Option<TenantId> {
        None
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        let found = app
            .poll_replies()
            .await
            .map_err(crate::AppError::into_sweep_error)?;
        if found > 0 {
            tracing::info!(found, "replies found by polling");
        }
        Ok(revos_jobs::Outcome::Done)
    }
}
