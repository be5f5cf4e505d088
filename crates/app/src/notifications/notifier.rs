//! The notifier: one job per workspace (woken by every event that notifies, in the event's
//! own transaction) that reads the workspace's notifying events after its watermark in
//! batches, turns them into notifications (folded per kind, subject and hour), moves the
//! watermark in the same transaction, and queues the Slack digest when the workspace has a
//! webhook. Events younger than [`SETTLE`] wait, so that an event whose transaction commits
//! late is never passed by the watermark.

use super::{SLACK_WEBHOOK_URL, SlackDigest};
use crate::{App, Result};
use chrono::{DateTime, TimeDelta, Utc};
use revos_domain::notification::{self, DIGEST_PERIOD, NotificationKind, NotifyingEvent, SETTLE};
use revos_domain::{SecretName, TenantId};
use revos_jobs::Job;
use revos_store::notifications as store;
use serde::{Deserialize, Serialize};

/// Events read per transaction.
const BATCH: i64 = 200;
/// Batches per run before the job yields to others (and runs again at once).
const BATCHES_PER_RUN: usize = 10;
/// Events older than this when first read (a workspace's history, the first time the
/// notifier runs) notify nobody.
const TOO_OLD: TimeDelta = TimeDelta::days(1);
/// An event dated this far ahead (a skewed clock) counts as settled rather than holding the
/// watermark back.
const FUTURE_SLACK: TimeDelta = TimeDelta::minutes(1);

/// The notifier job of one workspace.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotifyWorkspace {
    /// The workspace.
    pub tenant: TenantId,
}

impl Job for NotifyWorkspace {
    type Context = App;
    const KIND: &'static str = store::NOTIFIER_JOB_KIND;
    const QUEUE: &'static str = store::NOTIFY_QUEUE;

    fn tenant(&self) -> Option<TenantId> {
        Some(self.tenant)
    }

    fn unique_key(&self) -> Option<String> {
        Some(store::NOTIFIER_JOB_KEY.to_owned())
    }

    async fn run(
        self,
        _ctx: revos_jobs::JobContext,
        app: &App,
    ) -> Result<revos_jobs::Outcome, revos_jobs::JobError> {
        Ok(match app.notify_workspace(self.tenant).await? {
            Some(at) => revos_jobs::Outcome::Snooze(at),
            None => revos_jobs::Outcome::Done,
        })
    }
}

impl App {
    /// Turns `tenant`'s new notifying events into notifications. Returns when to run again
    /// (events that have not settled yet, more than one run's worth, or a last look after a
    /// run that read events), or `None` when a run found the log read to its end.
    pub async fn notify_workspace(&self, tenant: TenantId) -> Result<Option<DateTime<Utc>>> {
        let slack_name = SecretName::parse("name", SLACK_WEBHOOK_URL)?;
        for _ in 0..BATCHES_PER_RUN {
            let now = self.now();
            let mut tx = self.store.begin_for(tenant).await?;
            let after = store::watermark(&mut tx, tenant).await?;
            let rows = store::events_after(&mut tx, tenant, after, BATCH).await?;
            let settled = rows
                .iter()
                .take_while(|r| r.occurred_at <= now - SETTLE || r.occurred_at > now + FUTURE_SLACK)
                .count();
            let Some(last) = rows[..settled].last().map(|r| r.id) else {
                tx.commit().await?;
                return Ok(rows.first().map(|r| r.occurred_at + SETTLE));
            };
            let data: Vec<serde_json::Value> = rows[..settled]
                .iter()
                .map(|r| serde_json::from_str(&r.data).unwrap_or_default())
                .collect();
            let drafts = notification::fold(
                rows[..settled]
                    .iter()
                    .zip(&data)
                    .filter(|(r, _)| r.occurred_at > now - TOO_OLD)
                    .filter_map(|(r, data)| {
                        notification::draft(&NotifyingEvent {
                            kind: &r.kind,
                            subject: r.subject_id,
                            data,
                            at: r.occurred_at,
                            lead_name: r.lead_name.as_deref(),
                            account_name: r.account_name.as_deref(),
                        })
                    }),
            );
            let slack_on = !drafts.is_empty()
                && revos_store::vault::get_secret(&mut tx, tenant, &slack_name)
                    .await?
                    .is_some();
            let off: Vec<NotificationKind> = if slack_on {
                store::kinds_off_slack(&mut tx, tenant)
                    .await?
                    .iter()
                    .filter_map(|k| NotificationKind::parse(k))
                    .collect()
            } else {
                Vec::new()
            };
            let to_slack = |d: &notification::Draft| slack_on && !off.contains(&d.kind);
            let for_slack = store::add(&mut tx, tenant, &drafts, to_slack, now).await?;
            store::advance_watermark(&mut tx, tenant, last, now).await?;
            if for_slack > 0 {
                // One digest per period: a burst of events while it waits joins it.
                revos_jobs::enqueue(&mut tx, &SlackDigest { tenant }, now + DIGEST_PERIOD, now)
                    .await?;
            }
            tx.commit().await?;
            if settled < rows.len() {
                return Ok(Some(rows[settled].occurred_at.max(now) + SETTLE));
            }
            if rows.len() < BATCH as usize {
                // Once more after the settling time: an event whose transaction woke this job
                // while it ran (finding it live, so queueing nothing) and committed after the
                // read above is read then, not at the workspace's next event.
                return Ok(Some(now + SETTLE));
            }
        }
        Ok(Some(self.now()))
    }
}
