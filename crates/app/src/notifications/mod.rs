//! The notification centre: a member's notifications (newest first, keyset paged), the
//! unread count of the bell, marking read, the member's preferences per kind (in-app and
//! Slack), and the workspace's Slack incoming-webhook URL (kept in the vault, checked by the
//! outbound guard). The notifications themselves are written by the notifier job
//! ([`notifier`]) from the event log and carried to Slack by the digest job ([`slack`]).

pub mod notifier;
pub mod slack;

pub use notifier::NotifyWorkspace;
pub use slack::SlackDigest;

use crate::secrets::SecretSummary;
use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::notification::NotificationKind;
use revos_domain::{Page, PageRequest, SecretName, ValidationErrors};
use revos_store::notifications as store;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The vault name of the workspace's Slack incoming-webhook URL.
pub const SLACK_WEBHOOK_URL: &str = "slack_webhook_url";

/// How far the bell counts: at this many it shows "9+".
pub const BELL_CAP: i64 = 10;

/// A notification as a member sees it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationView {
    /// Its id; pass the last one of a page back as the cursor.
    pub id: Uuid,
    /// `reply`, `post_awaiting_approval`, `post_published`, `account_attention`,
    /// `job_failed`, `budget_reached` or `webhook_disabled`.
    pub kind: String,
    /// The sentence shown.
    pub title: String,
    /// Where to look (a path of the web app).
    pub link: String,
    /// How many events it stands for (a burst about one subject counts up).
    pub count: i64,
    /// Whether the caller read it since it last changed.
    pub read: bool,
    /// When it was first made.
    pub created_at: DateTime<Utc>,
    /// When it last counted up.
    pub updated_at: DateTime<Utc>,
}

/// Which notifications to mark read: some by id, or all of them.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// The notifications to mark read (at most 200).
    #[serde(default)]
    pub ids: Option<Vec<Uuid>>,
    /// `true` marks every notification read.
    #[serde(default)]
    pub all: Option<bool>,
}

/// What marking read did.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadOutcome {
    /// How many of the given ids were marked (`null` for all).
    pub marked: Option<u64>,
    /// The caller's unread count now (capped: at [`BELL_CAP`] the bell shows "9+").
    pub unread: i64,
}

/// A member's choice for one kind.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KindPreference {
    /// The kind (see [`NotificationView::kind`]).
    pub kind: String,
    /// Shown in the notification centre and counted by the bell.
    pub in_app: bool,
    /// Carried to the workspace's Slack channel (while one member wants it there).
    pub slack: bool,
}

/// A member's preferences: every kind, with the defaults (on, on) where nothing was chosen.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// One entry per kind.
    pub items: Vec<KindPreferenceView>,
    /// Whether the workspace has a Slack incoming webhook.
    pub slack_configured: bool,
}

/// One kind's choice with its label.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindPreferenceView {
    /// The kind.
    pub kind: String,
    /// How people read it.
    pub label: String,
    /// Shown in the notification centre.
    pub in_app: bool,
    /// Carried to Slack.
    pub slack: bool,
}

/// New choices: the kinds given change, the others stay.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreferencesUpdate {
    /// One entry per kind to change.
    pub items: Vec<KindPreference>,
}

impl App {
    /// The caller's notifications, newest first; `page.after` is the last id of the previous
    /// page (the next page holds older ones).
    pub async fn list_notifications(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<Page<NotificationView>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let mark = store::read_mark(&mut tx, who.tenant, who.user).await?;
        let rows = store::list(
            &mut tx,
            who.tenant,
            who.user,
            mark,
            page.after,
            page.fetch_limit(),
        )
        .await?;
        tx.commit().await?;
        Ok(
            Page::from_rows(rows, page, |r| r.id).map(|r| NotificationView {
                id: r.id,
                kind: r.kind,
                title: r.title,
                link: r.link,
                count: r.count,
                read: r.read,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }),
        )
    }

    /// The caller's unread count, counted no further than [`BELL_CAP`].
    pub async fn unread_notifications(&self, who: &Principal) -> Result<i64> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let mark = store::read_mark(&mut tx, who.tenant, who.user).await?;
        let n = store::unread_count(&mut tx, who.tenant, who.user, mark, BELL_CAP).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Marks notifications read for the caller: the ids given (of the caller's workspace;
    /// others are ignored), or all.
    pub async fn mark_notifications_read(
        &self,
        who: &Principal,
        req: &ReadRequest,
    ) -> Result<ReadOutcome> {
        let now = self.now();
        let marked = match (&req.ids, req.all) {
            (None, Some(true)) => {
                let mut tx = self.store.begin_for(who.tenant).await?;
                store::mark_all_read(&mut tx, who.tenant, who.user, now).await?;
                tx.commit().await?;
                None
            }
            (Some(ids), None | Some(false)) if !ids.is_empty() && ids.len() <= 200 => {
                let mut tx = self.store.begin_for(who.tenant).await?;
                let n = store::mark_read(&mut tx, who.tenant, who.user, ids, now).await?;
                tx.commit().await?;
                Some(n)
            }
            (Some(_), None | Some(false)) => {
                return Err(ValidationErrors::single("ids", "give 1 to 200 ids").into());
            }
            _ => {
                return Err(ValidationErrors::single(
                    "ids",
                    "give either ids (1 to 200) or \"all\": true",
                )
                .into());
            }
        };
        let unread = self.unread_notifications(who).await?;
        Ok(ReadOutcome { marked, unread })
    }

    /// The caller's preferences, every kind listed.
    pub async fn notification_preferences(&self, who: &Principal) -> Result<Preferences> {
        let name = SecretName::parse("name", SLACK_WEBHOOK_URL)?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let stored = store::preferences(&mut tx, who.tenant, who.user).await?;
        let slack_configured = revos_store::vault::get_secret(&mut tx, who.tenant, &name)
            .await?
            .is_some();
        tx.commit().await?;
        let items = NotificationKind::ALL
            .into_iter()
            .map(|k| {
                let row = stored.iter().find(|r| r.kind == k.as_str());
                KindPreferenceView {
                    kind: k.as_str().to_owned(),
                    label: k.label().to_owned(),
                    in_app: row.is_none_or(|r| r.in_app),
                    slack: row.is_none_or(|r| r.slack),
                }
            })
            .collect();
        Ok(Preferences {
            items,
            slack_configured,
        })
    }

    /// Stores the caller's choices for the kinds given.
    pub async fn set_notification_preferences(
        &self,
        who: &Principal,
        update: &PreferencesUpdate,
    ) -> Result<Preferences> {
        let mut errors = revos_domain::validation::Collector::default();
        let mut rows: Vec<store::PreferenceRow> = Vec::new();
        for (i, item) in update.items.iter().enumerate() {
            match NotificationKind::parse(&item.kind) {
                None => errors.push(
                    format!("items[{i}].kind"),
                    format!(
                        "must be one of {}",
                        NotificationKind::ALL.map(|k| k.as_str()).join(", ")
                    ),
                ),
                Some(k) if rows.iter().any(|r| r.kind == k.as_str()) => {
                    errors.push(format!("items[{i}].kind"), "is given twice")
                }
                Some(k) => rows.push(store::PreferenceRow {
                    kind: k.as_str().to_owned(),
                    in_app: item.in_app,
                    slack: item.slack,
                }),
            }
        }
        errors.finish()?;
        let mut tx = self.store.begin_for(who.tenant).await?;
        store::set_preferences(&mut tx, who.tenant, who.user, &rows, self.now()).await?;
        tx.commit().await?;
        self.notification_preferences(who).await
    }

    /// Sets the workspace's Slack incoming-webhook URL (owners and admins): it must pass the
    /// outbound guard now (and passes it again on every delivery). Stored in the vault.
    pub async fn set_slack_webhook(&self, who: &Principal, url: &str) -> Result<SecretSummary> {
        who.require_admin()?;
        self.check_slack_url(url).await?;
        self.put_secret(who, SLACK_WEBHOOK_URL, url.trim()).await
    }

    /// Forgets the workspace's Slack incoming webhook.
    pub async fn delete_slack_webhook(&self, who: &Principal) -> Result<()> {
        self.delete_secret(who, SLACK_WEBHOOK_URL).await
    }

    /// The save-time check of a Slack webhook URL, naming the field.
    pub(crate) async fn check_slack_url(&self, url: &str) -> Result<()> {
        self.outbound_policy()
            .check_resolved(url)
            .await
            .map_err(|e| AppError::from(ValidationErrors::single("url", e.to_string())))?;
        Ok(())
    }
}
