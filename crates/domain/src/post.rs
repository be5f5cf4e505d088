//! The content approval workflow of a LinkedIn post: a draft is submitted for approval, then
//! approved (as is or edited) or rejected with a reason; a rejected post is revised back to a
//! draft; an approved post is scheduled (and unscheduled) or published. Which move is legal
//! from which status lives here, so the API, the agents and the workers share one table.
//!
//! Posts a campaign merely watches (someone else's post, or one published outside RevOS) are
//! stored alongside with the status `watching`; they never enter this workflow.

use crate::ValidationErrors;
use crate::stored_name::stored_names;
use serde::{Deserialize, Serialize};

/// Where a post is in the approval workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    /// Being written; only drafts can be edited.
    Draft,
    /// Waiting for a person to approve or reject it.
    PendingApproval,
    /// Approved (as written or edited by the approver); may be scheduled or published.
    Approved,
    /// Sent back with a reason; revising makes it a draft again.
    Rejected,
    /// Approved and waiting for its publishing time.
    Scheduled,
    /// On LinkedIn. Final.
    Published,
}

impl PostStatus {
    /// Every status, in workflow order.
    pub const ALL: [PostStatus; 6] = [
        PostStatus::Draft,
        PostStatus::PendingApproval,
        PostStatus::Approved,
        PostStatus::Rejected,
        PostStatus::Scheduled,
        PostStatus::Published,
    ];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Draft => "draft",
            PostStatus::PendingApproval => "pending_approval",
            PostStatus::Approved => "approved",
            PostStatus::Rejected => "rejected",
            PostStatus::Scheduled => "scheduled",
            PostStatus::Published => "published",
        }
    }

    /// Parses a stored name; `None` for anything else (including a watched post's
    /// `watching`).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The statuses `step` may be taken from: [`PostStatus::apply`] turned around, so that
    /// the store moves a post with one conditional update (`… AND status IN (…)`) instead
    /// of reading the status first and racing whoever writes in between.
    pub fn sources_of(step: PostMove) -> Vec<PostStatus> {
        Self::ALL
            .into_iter()
            .filter(|from| from.apply(step).is_ok())
            .collect()
    }

    /// Whether a client (the `client` role, or a share link's visitor) may see a post in this
    /// status: what waits for them and what the agency approved, scheduled or published, not
    /// the agency's drafts nor posts sent back to it.
    pub fn shown_to_clients(self) -> bool {
        !matches!(self, PostStatus::Draft | PostStatus::Rejected)
    }

    /// Whether the text and settings may still be edited.
    pub fn is_editable(self) -> bool {
        self == PostStatus::Draft
    }

    /// The status `step` leads to from this one, or why it may not be taken.
    pub fn apply(self, step: PostMove) -> Result<PostStatus, IllegalTransition> {
        use PostMove as M;
        use PostStatus as S;
        let to = step.target();
        let legal = matches!(
            (self, step),
            (S::Draft, M::Submit)
                | (
                    S::PendingApproval,
                    M::Approve | M::ApproveEdited | M::Reject
                )
                | (S::Rejected, M::Revise)
                | (S::Approved, M::Schedule)
                | (S::Scheduled, M::Unschedule)
                | (S::Approved | S::Scheduled, M::Publish)
        );
        if legal {
            Ok(to)
        } else {
            Err(IllegalTransition {
                from: self,
                to,
                step,
            })
        }
    }
}

stored_names!(PostStatus, "post status");

/// The stored status of a post a campaign only watches; it never enters the workflow, so
/// it is no [`PostStatus`].
pub const WATCHING: &str = "watching";

/// A move through the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PostMove {
    /// Draft → pending approval.
    Submit,
    /// Pending approval → approved, as written.
    Approve,
    /// Pending approval → approved, with the approver's edits.
    ApproveEdited,
    /// Pending approval → rejected (a reason is required: [`rejection_reason`]).
    Reject,
    /// Rejected → draft, to be reworked.
    Revise,
    /// Approved → scheduled at a time.
    Schedule,
    /// Scheduled → approved: the time is dropped.
    Unschedule,
    /// Approved or scheduled → published.
    Publish,
}

impl PostMove {
    /// Every move.
    pub const ALL: [PostMove; 8] = [
        PostMove::Submit,
        PostMove::Approve,
        PostMove::ApproveEdited,
        PostMove::Reject,
        PostMove::Revise,
        PostMove::Schedule,
        PostMove::Unschedule,
        PostMove::Publish,
    ];

    /// The status the move leads to.
    pub fn target(self) -> PostStatus {
        match self {
            PostMove::Submit => PostStatus::PendingApproval,
            PostMove::Approve | PostMove::ApproveEdited | PostMove::Unschedule => {
                PostStatus::Approved
            }
            PostMove::Reject => PostStatus::Rejected,
            PostMove::Revise => PostStatus::Draft,
            PostMove::Schedule => PostStatus::Scheduled,
            PostMove::Publish => PostStatus::Published,
        }
    }

    /// The verb, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            PostMove::Submit => "submit",
            PostMove::Approve => "approve",
            PostMove::ApproveEdited => "approve with edits",
            PostMove::Reject => "reject",
            PostMove::Revise => "revise",
            PostMove::Schedule => "schedule",
            PostMove::Unschedule => "unschedule",
            PostMove::Publish => "publish",
        }
    }
}

/// A move the workflow does not allow from the post's current status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a {} post (it would become {})", step.as_str(), from.as_str(), to.as_str())]
pub struct IllegalTransition {
    /// The post's status.
    pub from: PostStatus,
    /// The status the move leads to.
    pub to: PostStatus,
    /// The move asked for.
    pub step: PostMove,
}

/// The longest post LinkedIn accepts, in characters.
pub const MAX_BODY_CHARS: usize = 3000;

/// The longest rejection reason, in characters.
pub const MAX_REASON_CHARS: usize = 2000;

/// A post's text, checked for `field`: not blank, at most [`MAX_BODY_CHARS`] characters.
/// Returned trimmed.
pub fn post_body(field: &str, raw: &str) -> Result<String, ValidationErrors> {
    let body = raw.trim();
    if body.is_empty() {
        return Err(ValidationErrors::single(field, "must not be empty"));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ValidationErrors::single(
            field,
            format!("must be at most {MAX_BODY_CHARS} characters (LinkedIn's limit)"),
        ));
    }
    Ok(body.to_owned())
}

/// Why a post was rejected: required, not blank, at most [`MAX_REASON_CHARS`] characters.
pub fn rejection_reason(raw: Option<&str>) -> Result<String, ValidationErrors> {
    let reason = raw.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        return Err(ValidationErrors::single(
            "reason",
            "a rejection needs a reason the writer can act on",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ValidationErrors::single(
            "reason",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok(reason.to_owned())
}

/// An approver's optional comment: blank is none, at most [`MAX_REASON_CHARS`] characters.
pub fn approval_comment(raw: Option<&str>) -> Result<Option<String>, ValidationErrors> {
    let comment = raw.map(str::trim).unwrap_or_default();
    if comment.chars().count() > MAX_REASON_CHARS {
        return Err(ValidationErrors::single(
            "comment",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        ));
    }
    Ok((!comment.is_empty()).then(|| comment.to_owned()))
}

/// Whether two post texts are the same post: equal once whitespace runs are collapsed
/// (LinkedIn may trim or re-wrap what it was sent). Finds a post a crashed attempt may have
/// published among the account's recent posts.
pub fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// A post's first non-blank line, cut to `max` characters (with `…` when cut): how a report
/// names a post, which has no title of its own.
pub fn first_line(body: &str, max: usize) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if line.chars().count() <= max {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod comment_tests {
    use super::*;

    #[test]
    fn approval_comments_are_optional_and_bounded() {
        assert_eq!(approval_comment(None), Ok(None));
        assert_eq!(approval_comment(Some("  ")), Ok(None));
        assert_eq!(approval_comment(Some(" ok ")), Ok(Some("ok".into())));
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert!(approval_comment(Some(&long)).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PostMove as M;
    use PostStatus as S;

    /// The whole table: every (status, move) pair that is legal, with its target.
    fn legal() -> Vec<(PostStatus, PostMove, PostStatus)> {
        vec![
            (S::Draft, M::Submit, S::PendingApproval),
            (S::PendingApproval, M::Approve, S::Approved),
            (S::PendingApproval, M::ApproveEdited, S::Approved),
            (S::PendingApproval, M::Reject, S::Rejected),
            (S::Rejected, M::Revise, S::Draft),
            (S::Approved, M::Schedule, S::Scheduled),
            (S::Scheduled, M::Unschedule, S::Approved),
            (S::Approved, M::Publish, S::Published),
            (S::Scheduled, M::Publish, S::Published),
        ]
    }

    #[test]
    fn the_full_transition_table() {
        let table = legal();
        let mut checked = 0;
        for from in PostStatus::ALL {
            for step in PostMove::ALL {
                let expected = table
                    .iter()
                    .find(|(f, m, _)| *f == from && *m == step)
                    .map(|(_, _, to)| *to);
                match (from.apply(step), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from:?} {step:?}"),
                    (Err(e), None) => {
                        assert_eq!(e.from, from);
                        assert_eq!(e.to, step.target());
                        assert_eq!(e.step, step);
                    }
                    (got, want) => panic!("{from:?} {step:?}: got {got:?}, want {want:?}"),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 6 * 8);
    }

    #[test]
    fn sources_are_the_table_turned_around() {
        for step in PostMove::ALL {
            let want: Vec<_> = legal()
                .into_iter()
                .filter(|(_, m, _)| *m == step)
                .map(|(f, _, _)| f)
                .collect();
            assert_eq!(PostStatus::sources_of(step), want, "{step:?}");
        }
        assert_eq!(
            PostStatus::sources_of(M::Publish),
            [S::Approved, S::Scheduled]
        );
    }

    #[test]
    fn published_is_final_and_only_drafts_are_editable() {
        for step in PostMove::ALL {
            assert!(S::Published.apply(step).is_err(), "{step:?}");
        }
        let editable: Vec<_> = PostStatus::ALL
            .into_iter()
            .filter(|s| s.is_editable())
            .collect();
        assert_eq!(editable, vec![S::Draft]);
    }

    #[test]
    fn an_illegal_move_names_from_and_to() {
        let e = S::Draft.apply(M::Publish).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot publish a draft post (it would become published)"
        );
    }

    #[test]
    fn names_round_trip_and_watching_is_not_a_workflow_status() {
        for s in PostStatus::ALL {
            assert_eq!(PostStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(PostStatus::parse("watching"), None);
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        for bad in [None, Some(""), Some("   ")] {
            let e = rejection_reason(bad).unwrap_err();
            assert_eq!(e.0[0].field, "reason");
        }
        assert_eq!(
            rejection_reason(Some(" Too salesy ")).unwrap(),
            "Too salesy"
        );
        let long = "x".repeat(MAX_REASON_CHARS + 1);
        assert!(rejection_reason(Some(&long)).is_err());
    }

    #[test]
    fn bodies_are_trimmed_and_bounded() {
        assert_eq!(post_body("body", "  Hello  ").unwrap(), "Hello");
        assert_eq!(post_body("body", " ").unwrap_err().0[0].field, "body");
        let long = "é".repeat(MAX_BODY_CHARS + 1);
        assert!(post_body("body", &long).is_err());
        assert!(post_body("body", &"é".repeat(MAX_BODY_CHARS)).is_ok());
    }

    #[test]
    fn same_text_ignores_rewrapping_only() {
        assert!(same_text("Hello  world\nagain", " Hello world again "));
        assert!(!same_text("Hello world", "Hello world!"));
    }

    #[test]
    fn a_post_is_named_by_its_first_line() {
        assert_eq!(
            first_line("\n  Stop fixing.  \nStart asking.", 80),
            "Stop fixing."
        );
        assert_eq!(first_line("Managers: stop fixing", 10), "Managers:…");
        assert_eq!(first_line("Managers: stop fixing", 10).chars().count(), 10);
        assert_eq!(first_line("  \n ", 10), "");
    }
}
