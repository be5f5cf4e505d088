//! Reading what Unipile posts to our webhook (`message_received`, `new_relation`, account
//! status), in the documented shapes. A payload missing what its event needs is malformed
//! and rejected with the field named; events we do not use are recognised and ignored.

use serde::Deserialize;

/// A webhook body that is not the documented shape.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {message}")]
pub struct MalformedWebhook {
    /// The JSON path of the first problem.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// A message someone wrote in a chat of a connected account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageReceived {
    /// The Unipile account it arrived on.
    pub account_id: String,
    /// The account's own LinkedIn user id, when Unipile sends it (to drop our own messages).
    pub own_user_id: Option<String>,
    /// The chat.
    pub chat_id: String,
    /// The message id (deliveries are deduplicated on it).
    pub message_id: String,
    /// The text.
    pub text: String,
    /// Who wrote it (LinkedIn provider id).
    pub sender_provider_id: String,
}

/// A Unipile webhook event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnipileEvent {
    /// `message_received`.
    MessageReceived(MessageReceived),
    /// `new_relation`: someone became a first-degree connection of the account.
    NewRelation {
        /// The Unipile account.
        account_id: String,
        /// The new connection's provider id.
        user_provider_id: String,
    },
    /// An `AccountStatus` change (`OK`, `CREDENTIALS`, `ERROR`, ...).
    AccountStatus {
        /// The Unipile account.
        account_id: String,
        /// Its new status message.
        message: String,
    },
    /// An event RevOS does not act on (reactions, read receipts, ...).
    Ignored(String),
}

#[derive(Deserialize)]
struct Sender {
    attendee_provider_id: String,
}

#[derive(Deserialize)]
struct AccountInfo {
    #[serde(default)]
    user_id: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    account_id: String,
    #[serde(default)]
    account_info: Option<AccountInfo>,
    chat_id: String,
    message_id: String,
    #[serde(default)]
    message: Option<String>,
    sender: Sender,
}

#[derive(Deserialize)]
struct Relation {
    account_id: String,
    user_provider_id: String,
}

#[derive(Deserialize)]
struct Status {
    account_id: String,
    message: String,
}

fn malformed(e: serde_path_to_error::Error<serde_json::Error>) -> MalformedWebhook {
    MalformedWebhook {
        field: e.path().to_string(),
        message: e.inner().to_string(),
    }
}

fn read<T: serde::de::DeserializeOwned>(body: &serde_json::Value) -> Result<T, MalformedWebhook> {
    serde_path_to_error::deserialize(body).map_err(malformed)
}

/// Reads a Unipile webhook body.
pub fn parse_unipile(body: &serde_json::Value) -> Result<UnipileEvent, MalformedWebhook> {
    if let Some(status) = body.get("AccountStatus") {
        let s: Status = read(status).map_err(|e| MalformedWebhook {
            field: format!("AccountStatus.{}", e.field),
            ..e
        })?;
        return Ok(UnipileEvent::AccountStatus {
            account_id: s.account_id,
            message: s.message,
        });
    }
    let event = body
        .get("event")
        .and_then(|e| e.as_str())
        .ok_or_else(|| MalformedWebhook {
            field: "event".into(),
            message: "missing: expected the event name or an AccountStatus object".into(),
        })?;
    match event {
        "message_received" => {
            let m: Message = read(body)?;
            Ok(UnipileEvent::MessageReceived(MessageReceived {
                account_id: m.account_id,
                own_user_id: m.account_info.and_then(|i| i.user_id),
                chat_id: m.chat_id,
                message_id: m.message_id,
                text: m.message.unwrap_or_default(),
                sender_provider_id: m.sender.attendee_provider_id,
            }))
        }
        "new_relation" => {
            let r: Relation = read(body)?;
            Ok(UnipileEvent::NewRelation {
                account_id: r.account_id,
                user_provider_id: r.user_provider_id,
            })
        }
        other => Ok(UnipileEvent::Ignored(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_documented_message_received() {
        let body = json!({"account_id":"acc","account_type":"LINKEDIN",
            "account_info":{"type":"LINKEDIN","feature":"classic","user_id":"ACoMe"},
            "event":"message_received","chat_id":"chat1","timestamp":"2023-09-24T13:49:07.965Z",
            "webhook_name":"w","message_id":"m1","message":"Thanks!",
            "sender":{"attendee_id":"x","attendee_name":"Kim","attendee_provider_id":"ACoKim","attendee_profile_url":"u"},
            "attendees":[]});
        let UnipileEvent::MessageReceived(m) = parse_unipile(&body).unwrap() else {
            panic!("not a message")
        };
        assert_eq!(m.own_user_id.as_deref(), Some("ACoMe"));
        assert_eq!(m.sender_provider_id, "ACoKim");
        assert_eq!(
            (m.chat_id.as_str(), m.message_id.as_str(), m.text.as_str()),
            ("chat1", "m1", "Thanks!")
        );
    }

    #[test]
    fn names_what_is_missing() {
        let e = parse_unipile(
            &json!({"event":"message_received","account_id":"a","chat_id":"c","message_id":"m"}),
        )
        .unwrap_err();
        assert_eq!(e.field, ".");
        assert!(e.message.contains("sender"), "{e}");
        let e = parse_unipile(&json!({"event":"new_relation","account_id":"a"})).unwrap_err();
        assert!(e.message.contains("user_provider_id"), "{e}");
        assert_eq!(
            parse_unipile(&json!({"hello": 1})).unwrap_err().field,
            "event"
        );
        let e = parse_unipile(&json!({"AccountStatus": {"account_id": 5, "message": "OK"}}))
            .unwrap_err();
        assert_eq!(e.field, "AccountStatus.account_id");
    }

    #[test]
    fn recognises_other_events() {
        assert_eq!(
            parse_unipile(&json!({"AccountStatus":{"account_id":"a","account_type":"LINKEDIN","message":"CREDENTIALS"}})).unwrap(),
            UnipileEvent::AccountStatus { account_id: "a".into(), message: "CREDENTIALS".into() }
        );
        assert_eq!(
            parse_unipile(
                &json!({"event":"new_relation","account_id":"a","user_provider_id":"ACoX"})
            )
            .unwrap(),
            UnipileEvent::NewRelation {
                account_id: "a".into(),
                user_provider_id: "ACoX".into()
            }
        );
        assert_eq!(
            parse_unipile(&json!({"event":"message_reaction"})).unwrap(),
            UnipileEvent::Ignored("message_reaction".into())
        );
    }
}
