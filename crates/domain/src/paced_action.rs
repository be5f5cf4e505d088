//! Pacing of every automated action of a LinkedIn account, not only DMs. LinkedIn judges an
//! account by everything it does, so DMs, public comment replies (and later connection
//! requests and follow-ups) share one rhythm: one minimum gap between ANY two actions, measured
//! from the END of the previous acting provider call to the start of the next, and a rolling
//! hourly and a daily cap per kind (warm-up and the sending window apply to every kind).
//!
//! The rules reuse [`earliest_send`]: each kind's caps are put into the account's policy, the
//! kind's counted actions are its sends, and the gap rule becomes the `next_send_at` bound.

use crate::pacing::{MAX_DAILY_CAP, MAX_HOURLY_CAP, PacingPolicy, PacingState, earliest_send};
use crate::validation::Collector;
use chrono::{DateTime, Duration, Utc};

/// A kind of automated action an account takes on LinkedIn. Each has its own caps; all share
/// the gap, the window and pauses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// A direct message (first message of a campaign's DM).
    Dm,
    /// A public reply to a comment on a post (the campaign's "let's connect" reply).
    CommentReply,
}

impl ActionKind {
    /// Every kind, for callers that must consider each (the queue's peek at pacing).
    pub const ALL: [ActionKind; 2] = [ActionKind::Dm, ActionKind::CommentReply];

    /// The stable name stored with each action.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Dm => "dm",
            ActionKind::CommentReply => "comment_reply",
        }
    }

    /// The kind named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How an acting provider call ended; decides whether the action counts against its kind's
/// caps. Every call that reached the provider counts for the gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// The provider confirmed it.
    Done,
    /// No usable answer (timeout, dropped connection, unreadable body): it may have taken
    /// effect, so it keeps its slot in the caps.
    Unknown,
    /// The provider answered with an error (429, 4xx, 5xx): nothing was sent or posted, so it
    /// does not use up a cap; the retry takes a new slot.
    Refused,
}

impl ActionOutcome {
    /// Whether the action counts against its kind's hourly and daily caps.
    pub fn counts_for_caps(self) -> bool {
        !matches!(self, ActionOutcome::Refused)
    }
}

/// A kind's caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindCaps {
    /// Actions of the kind in any rolling 60 minutes.
    pub hourly_cap: u32,
    /// Actions of the kind per local day, before the warm-up ramp.
    pub daily_cap: u32,
}

impl KindCaps {
    /// Field-level validation of caps given as stored numbers, under the API's field names:
    /// the same ranges as the DM caps (1 to 1000 an hour, 1 to 10000 a day).
    pub fn check(hourly: (&str, i64), daily: (&str, i64), c: &mut Collector) {
        for ((field, v), max) in [(hourly, MAX_HOURLY_CAP), (daily, MAX_DAILY_CAP)] {
            if !(1..=i64::from(max)).contains(&v) {
                c.push(field, format!("must be between 1 and {max}"));
            }
        }
    }
}

/// Default caps of public comment replies: 20 an hour (the figure) and 60 a day.
pub const DEFAULT_REPLY_CAPS: KindCaps = KindCaps {
    hourly_cap: 20,
    daily_cap: 60,
};

/// The caps of every kind of one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionCaps {
    /// DMs (the policy's `hourly_cap` and `daily_cap`).
    pub dm: KindCaps,
    /// Public comment replies.
    pub comment_reply: KindCaps,
}

impl ActionCaps {
    /// The caps of `kind`.
    pub fn of(&self, kind: ActionKind) -> KindCaps {
        match kind {
            ActionKind::Dm => self.dm,
            ActionKind::CommentReply => self.comment_reply,
        }
    }
}

/// One action an account took (or is taking), as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    /// Its kind.
    pub kind: ActionKind,
    /// When its slot was taken, right before the provider call.
    pub started_at: DateTime<Utc>,
    /// When the call ended; `None` while in flight, or when the process died during it.
    pub finished_at: Option<DateTime<Utc>>,
    /// The gap drawn for it: the next action waits this long after its end.
    pub gap: Duration,
    /// Whether it counts against its kind's caps (see [`ActionOutcome::counts_for_caps`]).
    pub counted: bool,
}

impl ActionRecord {
    /// When the call ended, for the gap: an unfinished call counts as ended when the HTTP
    /// timeout `call_timeout` after its start has passed (the client gave up then), so a
    /// call in flight holds every other action of the account back.
    pub fn ended(&self, call_timeout: Duration) -> DateTime<Utc> {
        let limit = self.started_at + call_timeout;
        self.finished_at.map_or(limit, |f| f.min(limit))
    }
}

/// What pacing knows about one account, besides its policy.
#[derive(Clone, Debug, Default)]
pub struct ActionHistory {
    /// Actions of every kind covering at least the last 25 hours, in any order.
    pub actions: Vec<ActionRecord>,
    /// The account is paused until then (provider limit signal).
    pub paused_until: Option<DateTime<Utc>>,
}

/// The earliest instant `>= now` at which the account may take one more action of `kind`:
/// no other action in flight, at least its drawn gap after the end of every earlier action,
/// inside the window, after any pause, and under `kind`'s rolling-hour cap and (warmed-up)
/// daily cap, counting only that kind's counted actions. `policy` gives the window, time
/// zone and warm-up; its own caps are replaced by `caps.of(kind)`.
pub fn earliest_action(
    policy: &PacingPolicy,
    caps: &ActionCaps,
    history: &ActionHistory,
    kind: ActionKind,
    call_timeout: Duration,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let own = caps.of(kind);
    let policy = PacingPolicy {
        hourly_cap: own.hourly_cap,
        daily_cap: own.daily_cap,
        ..policy.clone()
    };
    let mut sends: Vec<DateTime<Utc>> = history
        .actions
        .iter()
        .filter(|a| a.kind == kind && a.counted)
        .map(|a| a.started_at)
        .collect();
    sends.sort_unstable();
    let gap_floor = history
        .actions
        .iter()
        .map(|a| a.ended(call_timeout) + a.gap)
        .max();
    let state = PacingState {
        recent_sends: sends,
        next_send_at: gap_floor,
        paused_until: history.paused_until,
    };
    earliest_send(&policy, &state, now)
}

/// The earliest instant any kind of action may be taken: what the queue peeks at before it
/// hands a paced job to a worker (it cannot know which kind the job will take).
pub fn earliest_any_action(
    policy: &PacingPolicy,
    caps: &ActionCaps,
    history: &ActionHistory,
    call_timeout: Duration,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    ActionKind::ALL
        .into_iter()
        .map(|k| earliest_action(policy, caps, history, k, call_timeout, now))
        .min()
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    const TIMEOUT: Duration = Duration::seconds(20);

    fn open_policy(min_gap: i64) -> PacingPolicy {
        PacingPolicy {
            min_gap: Duration::seconds(min_gap),
            max_gap: Duration::seconds(min_gap),
            window_start: chrono::NaiveTime::MIN,
            window_end: chrono::NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
            ..PacingPolicy::default()
        }
    }

    fn caps(dm: (u32, u32), reply: (u32, u32)) -> ActionCaps {
        ActionCaps {
            dm: KindCaps {
                hourly_cap: dm.0,
                daily_cap: dm.1,
            },
            comment_reply: KindCaps {
                hourly_cap: reply.0,
                daily_cap: reply.1,
            },
        }
    }

    fn action(
        kind: ActionKind,
        start: DateTime<Utc>,
        took_ms: Option<i64>,
        gap: i64,
    ) -> ActionRecord {
        ActionRecord {
            kind,
            started_at: start,
            finished_at: took_ms.map(|ms| start + Duration::milliseconds(ms)),
            gap: Duration::seconds(gap),
            counted: true,
        }
    }

    #[test]
    fn kinds_round_trip_by_name() {
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ActionKind::parse("connection_request"), None);
    }

    #[test]
    fn the_gap_runs_from_the_end_of_the_previous_call_whatever_its_kind() {
        let t = utc("2026-06-01T10:00:00Z");
        let history = ActionHistory {
            actions: vec![action(ActionKind::Dm, t, Some(4_000), 60)],
            paused_until: None,
        };
        let c = caps((50, 100), (20, 60));
        let expected = t + Duration::seconds(64);
        for kind in ActionKind::ALL {
            assert_eq!(
                earliest_action(&open_policy(60), &c, &history, kind, TIMEOUT, t),
                expected,
                "{kind:?} waits for the DM's end plus the gap"
            );
        }
    }

    #[test]
    fn a_call_in_flight_holds_every_action_until_its_timeout() {
        let t = utc("2026-06-01T10:00:00Z");
        let history = ActionHistory {
            actions: vec![action(ActionKind::CommentReply, t, None, 1)],
            paused_until: None,
        };
        let c = caps((50, 100), (20, 60));
        let now = t + Duration::seconds(5);
        assert_eq!(
            earliest_action(&open_policy(1), &c, &history, ActionKind::Dm, TIMEOUT, now),
            t + TIMEOUT + Duration::seconds(1)
        );
        // Long after the timeout, the unfinished call counts as finished then.
        let later = t + Duration::minutes(5);
        assert_eq!(
            earliest_action(
                &open_policy(1),
                &c,
                &history,
                ActionKind::Dm,
                TIMEOUT,
                later
            ),
            later
        );
    }

    #[test]
    fn caps_are_per_kind_and_refused_calls_do_not_use_them() {
        let t = utc("2026-06-01T10:00:00Z");
        let mut actions: Vec<ActionRecord> = (0..2)
            .map(|i| {
                action(
                    ActionKind::CommentReply,
                    t + Duration::minutes(i),
                    Some(10),
                    0,
                )
            })
            .collect();
        let c = caps((50, 100), (2, 60));
        let now = t + Duration::minutes(10);
        let history = ActionHistory {
            actions: actions.clone(),
            paused_until: None,
        };
        let p = open_policy(0);
        assert_eq!(
            earliest_action(&p, &c, &history, ActionKind::CommentReply, TIMEOUT, now),
            t + Duration::hours(1),
            "two replies in the hour fill the reply cap"
        );
        assert_eq!(
            earliest_action(&p, &c, &history, ActionKind::Dm, TIMEOUT, now),
            now,
            "DMs have their own cap"
        );
        assert_eq!(earliest_any_action(&p, &c, &history, TIMEOUT, now), now);
        actions[1].counted = false;
        let history = ActionHistory {
            actions,
            paused_until: None,
        };
        assert_eq!(
            earliest_action(&p, &c, &history, ActionKind::CommentReply, TIMEOUT, now),
            now,
            "a refused reply does not count against the cap"
        );
    }

    #[test]
    fn warm_up_ramps_each_kinds_daily_cap() {
        let t = utc("2026-06-01T10:00:00Z");
        let p = PacingPolicy {
            warmup_started_at: Some(t),
            warmup_weeks: 4,
            ..open_policy(0)
        };
        // Week 0 of 4: a quarter of each daily cap (8 of 30 replies).
        let actions: Vec<ActionRecord> = (0..8)
            .map(|i| {
                action(
                    ActionKind::CommentReply,
                    t + Duration::minutes(i * 10),
                    Some(1),
                    0,
                )
            })
            .collect();
        let history = ActionHistory {
            actions,
            paused_until: None,
        };
        let c = caps((50, 100), (20, 30));
        let now = t + Duration::hours(3);
        let next = earliest_action(&p, &c, &history, ActionKind::CommentReply, TIMEOUT, now);
        assert_eq!(next, utc("2026-06-02T00:00:00Z"));
        assert_eq!(
            earliest_action(&p, &c, &history, ActionKind::Dm, TIMEOUT, now),
            now
        );
    }

    #[test]
    fn reply_caps_are_checked_under_their_api_names() {
        let mut c = Collector::default();
        KindCaps::check(("reply_hourly_cap", 0), ("reply_daily_cap", 10_001), &mut c);
        let fields: Vec<String> = c
            .finish()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["reply_hourly_cap", "reply_daily_cap"]);
        let mut c = Collector::default();
        KindCaps::check(("reply_hourly_cap", 20), ("reply_daily_cap", 60), &mut c);
        assert!(c.finish().is_ok());
    }

    #[test]
    fn outcomes_decide_what_counts() {
        assert!(ActionOutcome::Done.counts_for_caps());
        assert!(ActionOutcome::Unknown.counts_for_caps());
        assert!(!ActionOutcome::Refused.counts_for_caps());
    }

    proptest! {
        /// Actions of two kinds taken one after the other, each at the earliest allowed
        /// instant and lasting a random time, never start less than the minimum gap after the
        /// previous one ended, and each kind keeps its hourly cap.
        #[test]
        fn greedy_schedules_keep_the_gap_and_caps(
            gap in 0..600i64,
            durations in proptest::collection::vec((0..2usize, 0..30_000i64), 1..80),
            reply_hourly in 1..6u32,
        ) {
            let t0 = utc("2026-06-01T00:00:00Z");
            let p = open_policy(gap);
            let c = caps((4, 1000), (reply_hourly, 1000));
            let mut history = ActionHistory::default();
            let mut now = t0;
            for (k, took) in durations {
                let kind = ActionKind::ALL[k];
                let at = earliest_action(&p, &c, &history, kind, TIMEOUT, now);
                prop_assert!(at >= now);
                for a in &history.actions {
                    prop_assert!(at >= a.ended(TIMEOUT) + Duration::seconds(gap));
                }
                let cap = c.of(kind).hourly_cap as usize;
                let in_hour = history.actions.iter()
                    .filter(|a| a.kind == kind && a.started_at > at - Duration::hours(1))
                    .count();
                prop_assert!(in_hour < cap);
                history.actions.push(action(kind, at, Some(took), gap));
                now = at + Duration::milliseconds(took);
            }
        }
    }
}
