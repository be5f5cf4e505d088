//! The one inbox's rules: where a conversation with a lead stands (open, waiting on them,
//! handled) and how each message moves it. A conversation is one lead's chat with one of the
//! workspace's LinkedIn accounts; its state changes only with the messages in it and with what
//! a member decides, so these rules are the whole of it.

use crate::stored_name::stored_names;
use serde::{Deserialize, Serialize};

/// Where a conversation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ConversationState {
    /// They wrote last: someone should answer.
    Open,
    /// We wrote last: waiting on them.
    Waiting,
    /// A member marked it handled; a new reply opens it again.
    Handled,
}

impl ConversationState {
    /// Every state, in order.
    pub const ALL: [ConversationState; 3] = [
        ConversationState::Open,
        ConversationState::Waiting,
        ConversationState::Handled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Open => "open",
            ConversationState::Waiting => "waiting",
            ConversationState::Handled => "handled",
        }
    }

    /// The state after a message: their message opens the conversation (even a handled one),
    /// ours (the campaign's DM or an answer) leaves it waiting on them.
    pub fn after_message(from_us: bool) -> Self {
        if from_us {
            ConversationState::Waiting
        } else {
            ConversationState::Open
        }
    }

    /// Whether a message leaves the conversation unread: only theirs does; ours means
    /// someone of the workspace has it in front of them.
    pub fn unread_after_message(from_us: bool) -> bool {
        !from_us
    }
}

stored_names!(ConversationState, "conversation state");

/// The longest answer accepted, in characters (LinkedIn's message limit is 8,000).
pub const MAX_ANSWER_CHARS: usize = 8000;

/// The longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn their_message_opens_ours_waits() {
        assert_eq!(
            ConversationState::after_message(false),
            ConversationState::Open
        );
        assert_eq!(
            ConversationState::after_message(true),
            ConversationState::Waiting
        );
        assert!(ConversationState::unread_after_message(false));
        assert!(!ConversationState::unread_after_message(true));
    }

    #[test]
    fn states_round_trip() {
        for s in ConversationState::ALL {
            assert_eq!(s.as_str().parse::<ConversationState>(), Ok(s));
        }
        assert!("closed".parse::<ConversationState>().is_err());
    }
}
