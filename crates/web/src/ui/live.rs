//! Live updates: a Server-Sent Events feed of the workspace's new events (leads, DMs sent,
//! replies, approvals, ...), read from the event log every two seconds, so pages change without
//! a reload. Each event is named by its kind and carries a one-line summary for people.

use super::session::Signed;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use revos_domain::lead::LeadStage;
use std::convert::Infallible;
use std::time::Duration;

/// How often the feed looks for new events.
const POLL: Duration = Duration::from_secs(2);

/// A sentence for an event of `kind`.
fn summary(kind: &str) -> &'static str {
    // The events of a lead reaching a stage are named after the stage.
    if let Ok(stage) = kind.parse::<LeadStage>() {
        match stage {
            LeadStage::DmQueued => return "DM queued",
            LeadStage::DmSent => return "DM sent",
            LeadStage::EmailSequenced => return "Lead handed to the email sequence",
            LeadStage::EmailReplied => return "Email reply received",
            LeadStage::OptedOut => return "Someone opted out",
            _ => {}
        }
    }
    match kind {
        "lead_scraped" => "New lead",
        "lead_enriched" => "Lead enriched",
        "dm_not_personalized" => "DM sent as written (not personalised)",
        "dm_replied" => "Reply received",
        "magnet_opened" => "Lead magnet opened",
        "email_not_sequenced" => "Lead not sequenced: its email is not deliverable",
        "email_bounced" => "An email bounced",
        "email_sequence_stopped" => "A bounced address's sequence was stopped",
        "post_drafted" => "Post drafted",
        "post_submitted" => "Post submitted for approval",
        "post_approved" => "Post approved",
        "post_rejected" => "Post rejected",
        "post_scheduled" => "Post scheduled",
        "post_published" => "Post published",
        "provider_error" => "A provider call failed",
        "dm_skipped" => "DM not sent: the same person is already a lead of the campaign",
        _ => "Something happened",
    }
}

/// `GET /live`: the workspace's events from now on.
pub(super) async fn feed(
    State(state): State<AppState>,
    signed: Signed,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let who = signed.who;
    let app = state.app.clone();
    let shutdown = state.shutdown.clone();
    let start = app.latest_event_id(&who).await.ok().flatten();
    let stream = futures::stream::unfold(
        (app, start, Vec::<Event>::new()),
        move |(app, mut cursor, mut pending)| {
            let who = who.clone();
            let shutdown = shutdown.clone();
            async move {
                loop {
                    if let Some(event) = pending.pop() {
                        return Some((Ok(event), (app, cursor, pending)));
                    }
                    tokio::select! {
                        () = tokio::time::sleep(POLL) => {}
                        () = shutdown.cancelled() => return None,
                    }
                    let rows = app.events_after(&who, cursor, 100).await;
                    let Ok(rows) = rows else { continue };
                    if let Some(last) = rows.last() {
                        cursor = Some(last.id);
                    }
                    // Popped from the end: push newest first so they leave oldest first.
                    pending = rows
                    .iter()
                    .rev()
                    .map(|r| {
                        let data = serde_json::json!({
                            "id": r.id, "kind": r.kind, "summary": summary(&r.kind),
                            "campaign_id": r.campaign_id, "subject_id": r.subject_id,
                            "at": r.occurred_at,
                            "data": serde_json::from_str::<serde_json::Value>(&r.data).unwrap_or_default(),
                        });
                        Event::default().event(r.kind.clone()).data(data.to_string())
                    })
                    .collect();
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
