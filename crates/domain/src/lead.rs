//! A lead's progress through a campaign, and the DM's own state machine that makes sending
//! exactly-once over a provider with no idempotency keys.

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
        use LeadStage::*;
        [
            Scraped,
            Enriched,
            AwaitingConnection,
            DmQueued,
            DmSent,
            Replied,
            EmailSequenced,
            EmailReplied,
            OptedOut,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    /// Whether a lead may move from `self` to `to`. Stages only move forward; a reply wins
    /// over the email sequence (a lead who replied is never sequenced), and opting out is
    /// possible from anywhere and final.
    pub fn can_become(self, to: LeadStage) -> bool {
        use LeadStage::*;
        match (self, to) {
            (OptedOut, _) => false,
            (_, OptedOut) => true,
            (Replied | EmailReplied, _) => false,
            (_, Replied) => matches!(self, DmSent | EmailSequenced),
            (_, EmailSequenced) => self == DmSent,
            (_, EmailReplied) => self == EmailSequenced,
            (a, b) => b > a && !matches!(b, Replied | EmailSequenced | EmailReplied),
        }
    }
}

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

/// What to do with a DM found in `sending` (after a crash or a timeout).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reconciliation {
    /// Our text is in the chat: mark it sent with this message id; never send again.
    AlreadySent(String),
    /// Our text is not in the chat: sending is safe.
    NotSent,
}

/// Decides from the chat's messages (ours and theirs) whether a DM with `text` went out.
/// Messages are compared after trimming, since providers may strip trailing whitespace.
pub fn reconcile<'a>(
    text: &str,
    messages: impl IntoIterator<Item = (&'a str, &'a str, bool)>,
) -> Reconciliation {
    let wanted = text.trim();
    messages
        .into_iter()
        .find(|(_, body, from_us)| *from_us && body.trim() == wanted)
        .map_or(Reconciliation::NotSent, |(id, _, _)| {
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
    fn reconciliation_finds_our_text_only() {
        let chat = [
            ("m2", "Thanks!", false),
            ("m1", "Hi Ana, here it is ", true),
        ];
        assert_eq!(
            reconcile("Hi Ana, here it is", chat),
            Reconciliation::AlreadySent("m1".into())
        );
        assert_eq!(
            reconcile("Thanks!", chat),
            Reconciliation::NotSent,
            "their words are not our DM"
        );
        assert_eq!(reconcile("Something else", chat), Reconciliation::NotSent);
        assert_eq!(reconcile("x", []), Reconciliation::NotSent);
    }
}
