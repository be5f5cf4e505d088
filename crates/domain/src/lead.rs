//! A lead's progress through a campaign, and the DM's own state machine that makes sending
//! exactly-once over a provider with no idempotency keys.

use crate::stored_name::stored_names;
use serde::{Deserialize, Serialize};

/// Where a lead stands in a campaign's funnel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStage {
    /// Found in the comments.
    Scraped,
    /// Enrichment ran (whatever it found).
    Enriched,
    /// Waiting to be connected before a DM can go out.
    AwaitingConnection,
    /// A DM is queued.
    DmQueued,
    /// The DM went out.
    DmSent,
    /// They answered the DM.
    Replied,
    /// No reply in time; handed to the email sequence.
    EmailSequenced,
    /// They answered an email.
    EmailReplied,
    /// They asked not to be contacted.
    OptedOut,
}

impl LeadStage {
    /// Every stage, in funnel order.
    pub const ALL: [LeadStage; 9] = [
        LeadStage::Scraped,
        LeadStage::Enriched,
        LeadStage::AwaitingConnection,
        LeadStage::DmQueued,
        LeadStage::DmSent,
        LeadStage::Replied,
        LeadStage::EmailSequenced,
        LeadStage::EmailReplied,
        LeadStage::OptedOut,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStage::Scraped => "scraped",
            LeadStage::Enriched => "enriched",
            LeadStage::AwaitingConnection => "awaiting_connection",
            LeadStage::DmQueued => "dm_queued",
            LeadStage::DmSent => "dm_sent",
            LeadStage::Replied => "replied",
            LeadStage::EmailSequenced => "email_sequenced",
            LeadStage::EmailReplied => "email_replied",
            LeadStage::OptedOut => "opted_out",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        LeadStage::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether a lead may move from `self` to `to`. Stages only move forward; a reply wins
    /// over the email sequence (a lead who replied is never sequenced) and over a DM that
    /// goes out after it (someone who wrote to the account before our DM reached them has
    /// replied), and opting out is possible from anywhere and final.
    pub fn can_become(self, to: LeadStage) -> bool {
        use LeadStage::*;
        match (self, to) {
            (OptedOut, _) => false,
            (_, OptedOut) => true,
            (Replied | EmailReplied, _) => false,
            (_, Replied) => self < Replied || self == EmailSequenced,
            (_, EmailSequenced) => self == DmSent,
            (_, EmailReplied) => self == EmailSequenced,
            // A queued DM whose person turns out not to be connected waits for them.
            (DmQueued, AwaitingConnection) => true,
            (a, b) => b > a && !matches!(b, Replied | EmailSequenced | EmailReplied),
        }
    }

    /// The stages a lead may move to `to` from: [`LeadStage::can_become`] turned around, so
    /// that the store can write a stage with one conditional update (`… AND stage IN (…)`)
    /// instead of reading it first and racing whoever writes in between.
    pub fn sources_of(to: LeadStage) -> Vec<LeadStage> {
        LeadStage::ALL
            .into_iter()
            .filter(|from| from.can_become(to))
            .collect()
    }
}

stored_names!(LeadStage, "lead stage");

/// The state of one outbound DM. Persisted as `sending` *before* the provider is called, so
/// a crash or a timeout leaves a trace that is reconciled before anything is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DmState {
    /// Waiting for its turn (pacing).
    Queued,
    /// The provider was (or is being) called; the outcome is not known.
    Sending,
    /// The provider accepted it, or it was found in the chat.
    Sent,
    /// It will not be sent.
    Failed,
}

impl DmState {
    /// Every state, in order.
    pub const ALL: [DmState; 4] = [
        DmState::Queued,
        DmState::Sending,
        DmState::Sent,
        DmState::Failed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DmState::Queued => "queued",
            DmState::Sending => "sending",
            DmState::Sent => "sent",
            DmState::Failed => "failed",
        }
    }
}

stored_names!(DmState, "DM state");

/// What to do with a DM found in `sending` (after a crash or a timeout).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reconciliation {
    /// Our message is in the chat: mark it sent with this message id; never send again.
    AlreadySent(String),
    /// Our message is not in the chat: sending is safe.
    NotSent,
}

/// What the chat held before a DM's first send attempt, read and recorded before the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeforeSend<'a> {
    /// No chat with the person, or an empty one: any message of ours in it is this DM.
    Nothing,
    /// The chat's newest message then: messages of ours newer than it are this DM.
    LastMessage(&'a str),
}

/// What was recorded of a DM's sending, to recognise it in the chat by ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendTrace<'a> {
    /// The provider's id of our message, when an answer gave it.
    pub message_id: Option<&'a str>,
    /// What the chat held before the first attempt; `None` for a DM that started sending
    /// before RevOS recorded it (older rows), the only case compared by text.
    pub before: Option<BeforeSend<'a>>,
    /// The stored text, for that last resort only.
    pub text: &'a str,
}

/// Decides from the chat's messages (`(id, text, from us)`, newest first, as providers list
/// them) whether the DM traced by `trace` went out. A recorded message id settles it; else
/// our message is the oldest of ours newer than what the chat held before the first attempt.
/// Only a DM with no recorded trace is recognised by its text (trimmed, since providers may
/// strip trailing whitespace): a provider that reformats text, or an identical message sent
/// by hand, cannot fool the id-based rules.
pub fn reconcile<'a>(
    trace: &SendTrace<'_>,
    messages: impl IntoIterator<Item = (&'a str, &'a str, bool)>,
) -> Reconciliation {
    if let Some(id) = trace.message_id {
        return Reconciliation::AlreadySent(id.to_owned());
    }
    let found = match trace.before {
        Some(before) => messages
            .into_iter()
            .take_while(|(id, _, _)| before != BeforeSend::LastMessage(id))
            .filter(|(_, _, from_us)| *from_us)
            .last(),
        None => {
            let wanted = trace.text.trim();
            messages
                .into_iter()
                .find(|(_, body, from_us)| *from_us && body.trim() == wanted)
        }
    };
    found.map_or(Reconciliation::NotSent, |(id, _, _)| {
        Reconciliation::AlreadySent(id.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use LeadStage::*;

    #[test]
    fn stages_move_forward_and_replies_win() {
        assert!(Scraped.can_become(Enriched));
        assert!(Enriched.can_become(DmQueued));
        assert!(DmQueued.can_become(DmSent));
        assert!(DmSent.can_become(Replied));
        assert!(DmSent.can_become(EmailSequenced));
        assert!(
            !Replied.can_become(EmailSequenced),
            "a lead who replied is never sequenced"
        );
        assert!(!DmSent.can_become(DmQueued), "never re-contact");
        assert!(DmQueued.can_become(AwaitingConnection) && AwaitingConnection.can_become(DmQueued));
        assert!(!DmSent.can_become(AwaitingConnection));
        assert!(!Scraped.can_become(EmailSequenced));
        assert!(EmailSequenced.can_become(EmailReplied));
        assert!(
            EmailSequenced.can_become(Replied),
            "a late DM reply still counts"
        );
        for s in [Scraped, DmSent, Replied, EmailSequenced] {
            assert!(s.can_become(OptedOut));
            assert!(!OptedOut.can_become(s));
            assert_eq!(LeadStage::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_reply_wins_over_a_late_dm() {
        assert!(
            DmQueued.can_become(Replied),
            "they wrote before our DM went out"
        );
        assert!(AwaitingConnection.can_become(Replied));
        assert!(!Replied.can_become(DmSent), "a late DM never hides a reply");
        assert!(!EmailReplied.can_become(Replied));
    }

    #[test]
    fn sources_agree_with_can_become_for_every_pair() {
        for to in LeadStage::ALL {
            let sources = LeadStage::sources_of(to);
            for from in LeadStage::ALL {
                assert_eq!(
                    sources.contains(&from),
                    from.can_become(to),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert_eq!(
            LeadStage::sources_of(DmSent),
            [Scraped, Enriched, AwaitingConnection, DmQueued]
        );
        assert!(LeadStage::sources_of(Scraped).is_empty());
    }

    #[test]
    fn dm_states_round_trip_through_their_stored_names() {
        for s in DmState::ALL {
            assert_eq!(s.as_str().parse::<DmState>(), Ok(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }

    fn trace<'a>(message_id: Option<&'a str>, before: Option<BeforeSend<'a>>) -> SendTrace<'a> {
        SendTrace {
            message_id,
            before,
            text: "Hi Ana, here it is",
        }
    }

    #[test]
    fn a_recorded_message_id_settles_it() {
        assert_eq!(
            reconcile(&trace(Some("m9"), Some(BeforeSend::Nothing)), []),
            Reconciliation::AlreadySent("m9".into())
        );
    }

    #[test]
    fn ours_is_the_first_message_of_ours_after_what_the_chat_held() {
        // Newest first: their answer, our DM (reworded by the provider), then older history.
        let chat = [
            ("m5", "Thanks!", false),
            ("m4", "Hi Ana,\u{a0}here it is", true),
            ("m3", "Hi Ana, here it is", true),
            ("m2", "Old news", false),
        ];
        let before = Some(BeforeSend::LastMessage("m3"));
        assert_eq!(
            reconcile(&trace(None, before), chat),
            Reconciliation::AlreadySent("m4".into()),
            "by position after the recorded last message, not by text"
        );
        assert_eq!(
            reconcile(&trace(None, Some(BeforeSend::LastMessage("m4"))), chat),
            Reconciliation::NotSent,
            "their answer alone is not our DM"
        );
        let fresh = [("m2", "Thanks!", false), ("m1", "Hi Ana! Text", true)];
        assert_eq!(
            reconcile(&trace(None, Some(BeforeSend::Nothing)), fresh),
            Reconciliation::AlreadySent("m1".into())
        );
        assert_eq!(
            reconcile(&trace(None, Some(BeforeSend::Nothing)), []),
            Reconciliation::NotSent
        );
    }

    #[test]
    fn text_is_the_last_resort_without_a_trace() {
        let chat = [
            ("m2", "Thanks!", false),
            ("m1", "Hi Ana, here it is ", true),
        ];
        assert_eq!(
            reconcile(&trace(None, None), chat),
            Reconciliation::AlreadySent("m1".into())
        );
        let theirs = SendTrace {
            text: "Thanks!",
            ..trace(None, None)
        };
        assert_eq!(
            reconcile(&theirs, chat),
            Reconciliation::NotSent,
            "their words are not our DM"
        );
        assert_eq!(reconcile(&trace(None, None), []), Reconciliation::NotSent);
    }
}
