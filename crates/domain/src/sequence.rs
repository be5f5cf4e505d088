//! Multi-step campaigns: a campaign's DMs form a sequence (the first DM, then follow-ups a
//! delay after the previous step when their condition holds), each step with one or more
//! A/B variants. Pure rules: the model, its structural validation (with field names such as
//! `steps[1].delay_hours`), which step follows a sent one and when, whether a follow-up is
//! sent, skipped or the sequence stopped for a lead, and the variant a lead gets
//! (deterministic from the lead and the step, so a retry picks the same one).
//!
//! Steps and variants carry stable ids: what was sent is recorded per step id, so editing a
//! campaign (a new text, a step added or moved) never sends a step a lead already had.

use crate::validation::Collector;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The id of the first step of a campaign saved before sequences existed (its messages were
/// migrated to it).
pub const FIRST_STEP_ID: &str = "1";
/// The id of the only variant of such a step.
pub const FIRST_VARIANT_ID: &str = "a";
/// At most this many steps in a sequence.
pub const MAX_STEPS: usize = 10;
/// At most this many variants in a step.
pub const MAX_VARIANTS: usize = 5;
/// The longest delay of a follow-up, in hours (90 days).
pub const MAX_DELAY_HOURS: u32 = 24 * 90;
/// The largest weight of a variant.
pub const MAX_WEIGHT: u32 = 100;

/// When a follow-up is sent (every step also needs the lead not to have answered, opted out
/// or been put on the do-not-contact list: a reply stops the sequence).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepCondition {
    /// Only that they have not replied (the first step's only condition).
    #[default]
    NoReply,
    /// They are a first-degree connection of the sending account.
    Connected,
    /// They opened the tracked lead-magnet link.
    OpenedMagnet,
}

/// One text of a step; a step with several splits its leads between them by weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StepVariant {
    /// Stable id within the step (given by the server when left out).
    #[serde(default)]
    pub id: String,
    /// The DM, with `{{ first_name }}`-style variables (see
    /// [`crate::campaign::DM_VARIABLES`]).
    pub template: String,
    /// Its share of the step's leads, 0 to 100 (0 pauses the variant).
    #[serde(default = "default_weight")]
    pub weight: u32,
}

fn default_weight() -> u32 {
    1
}

/// One step of a sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SequenceStep {
    /// Stable id within the campaign (given by the server when left out); keep it when
    /// editing, or the step counts as new.
    #[serde(default)]
    pub id: String,
    /// Hours after the previous step before this one is due (0 for the first step).
    #[serde(default)]
    pub delay_hours: u32,
    /// When it is sent.
    #[serde(default)]
    pub condition: StepCondition,
    /// Its texts (at least one).
    pub variants: Vec<StepVariant>,
}

/// The one-step sequence of a campaign that has only a DM template.
pub fn one_step(template: &str) -> Vec<SequenceStep> {
    vec![SequenceStep {
        id: FIRST_STEP_ID.into(),
        delay_hours: 0,
        condition: StepCondition::NoReply,
        variants: vec![StepVariant {
            id: FIRST_VARIANT_ID.into(),
            template: template.into(),
            weight: 1,
        }],
    }]
}

/// Gives every step and variant without an id one from `fresh` (which must not repeat).
pub fn assign_ids(steps: &mut [SequenceStep], mut fresh: impl FnMut() -> String) {
    for step in steps {
        if step.id.trim().is_empty() {
            step.id = fresh();
        }
        for v in &mut step.variants {
            if v.id.trim().is_empty() {
                v.id = fresh();
            }
        }
    }
}

fn check_id(c: &mut Collector, field: &str, id: &str) {
    let ok = !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if !ok {
        c.push(field, "must be 1 to 40 letters, digits, '-' or '_'");
    }
}

/// Checks a sequence's shape (the templates are checked by the campaign, which knows the
/// sample values): 1 to [`MAX_STEPS`] steps with unique ids, the first sent at once with no
/// condition, follow-ups 1 hour to [`MAX_DELAY_HOURS`] after the previous step, 1 to
/// [`MAX_VARIANTS`] variants per step with unique ids and weights up to [`MAX_WEIGHT`], at
/// least one above 0.
pub fn check_structure(c: &mut Collector, steps: &[SequenceStep]) {
    if steps.is_empty() || steps.len() > MAX_STEPS {
        c.push("steps", format!("must have 1 to {MAX_STEPS} steps"));
    }
    for (i, step) in steps.iter().enumerate() {
        let at = format!("steps[{i}]");
        check_id(c, &format!("{at}.id"), &step.id);
        if steps[..i].iter().any(|s| s.id == step.id) {
            c.push(format!("{at}.id"), "is used by an earlier step");
        }
        if i == 0 {
            if step.delay_hours != 0 {
                c.push(
                    format!("{at}.delay_hours"),
                    "must be 0: the first step is sent when the commenter qualifies",
                );
            }
            if step.condition != StepCondition::NoReply {
                c.push(
                    format!("{at}.condition"),
                    "must be no_reply: the first step has no condition",
                );
            }
        } else if !(1..=MAX_DELAY_HOURS).contains(&step.delay_hours) {
            c.push(
                format!("{at}.delay_hours"),
                format!("must be between 1 and {MAX_DELAY_HOURS}"),
            );
        }
        if step.variants.is_empty() || step.variants.len() > MAX_VARIANTS {
            c.push(
                format!("{at}.variants"),
                format!("must have 1 to {MAX_VARIANTS} variants"),
            );
        }
        for (j, v) in step.variants.iter().enumerate() {
            let vat = format!("{at}.variants[{j}]");
            check_id(c, &format!("{vat}.id"), &v.id);
            if step.variants[..j].iter().any(|w| w.id == v.id) {
                c.push(format!("{vat}.id"), "is used by an earlier variant");
            }
            if v.weight > MAX_WEIGHT {
                c.push(
                    format!("{vat}.weight"),
                    format!("must be at most {MAX_WEIGHT}"),
                );
            }
        }
        if !step.variants.is_empty() && step.variants.iter().all(|v| v.weight == 0) {
            c.push(
                format!("{at}.variants"),
                "at least one variant needs a weight above 0",
            );
        }
    }
}

/// The step with id `id`.
pub fn step<'a>(steps: &'a [SequenceStep], id: &str) -> Option<&'a SequenceStep> {
    steps.iter().find(|s| s.id == id)
}

/// The step that follows the step `id` sent (or skipped) at `at`, and when it is due: `None`
/// when `id` was the last step (or is no longer in the sequence).
pub fn follow_up<'a>(
    steps: &'a [SequenceStep],
    id: &str,
    at: DateTime<Utc>,
) -> Option<(&'a SequenceStep, DateTime<Utc>)> {
    let i = steps.iter().position(|s| s.id == id)?;
    let next = steps.get(i + 1)?;
    Some((next, at + Duration::hours(i64::from(next.delay_hours))))
}

/// What is known about a lead when a follow-up is due.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeadFacts {
    /// They replied, opted out or are on the do-not-contact list: the sequence is over.
    pub stopped: bool,
    /// They are a first-degree connection of the sending account.
    pub connected: bool,
    /// They opened the tracked lead-magnet link.
    pub opened_magnet: bool,
}

/// What to do with a due step for one lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDecision {
    /// Send it.
    Send,
    /// Its condition does not hold: skip it and go on with the next step.
    Skip,
    /// The lead stopped the sequence (a reply, an opt-out): nothing more is sent.
    Stop,
}

/// Whether `step` is sent to a lead with `facts`.
pub fn decide(step: &SequenceStep, facts: LeadFacts) -> StepDecision {
    if facts.stopped {
        return StepDecision::Stop;
    }
    let holds = match step.condition {
        StepCondition::NoReply => true,
        StepCondition::Connected => facts.connected,
        StepCondition::OpenedMagnet => facts.opened_magnet,
    };
    if holds {
        StepDecision::Send
    } else {
        StepDecision::Skip
    }
}

/// FNV-1a: a stable hash (the standard library's may change between releases, and a lead
/// must keep its variant across restarts and upgrades).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The variant of `step` that `lead` gets: chosen by weight from a hash of the lead and the
/// step, so every attempt (and every worker) picks the same one. `None` only for a step with
/// no variant of positive weight (which validation refuses).
pub fn choose_variant(step: &SequenceStep, lead: Uuid) -> Option<&StepVariant> {
    let total: u64 = step.variants.iter().map(|v| u64::from(v.weight)).sum();
    if total == 0 {
        return None;
    }
    let mut pick = fnv1a(&[lead.as_bytes(), step.id.as_bytes()]) % total;
    for v in &step.variants {
        let w = u64::from(v.weight);
        if pick < w {
            return Some(v);
        }
        pick -= w;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn variant(id: &str, weight: u32) -> StepVariant {
        StepVariant {
            id: id.into(),
            template: format!("Text {id}"),
            weight,
        }
    }

    fn three_steps() -> Vec<SequenceStep> {
        let mut steps = one_step("Hi {{ first_name }}");
        steps.push(SequenceStep {
            id: "2".into(),
            delay_hours: 72,
            condition: StepCondition::NoReply,
            variants: vec![variant("a", 1), variant("b", 1)],
        });
        steps.push(SequenceStep {
            id: "3".into(),
            delay_hours: 96,
            condition: StepCondition::OpenedMagnet,
            variants: vec![variant("a", 1)],
        });
        steps
    }

    fn fields(steps: &[SequenceStep]) -> Vec<String> {
        let mut c = Collector::default();
        check_structure(&mut c, steps);
        c.finish()
            .err()
            .map(|e| e.0.into_iter().map(|f| f.field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_good_sequence_passes() {
        assert!(fields(&three_steps()).is_empty());
        assert!(fields(&one_step("Hi")).is_empty());
    }

    #[test]
    fn errors_name_the_step_and_the_field() {
        let mut s = three_steps();
        s[0].delay_hours = 5;
        s[1].delay_hours = 0;
        s[1].variants[1].id = "a".into();
        s[2].id = "2".into();
        s[2].variants[0].weight = 0;
        assert_eq!(
            fields(&s),
            [
                "steps[0].delay_hours",
                "steps[1].delay_hours",
                "steps[1].variants[1].id",
                "steps[2].id",
                "steps[2].variants"
            ]
        );
        assert_eq!(fields(&[]), ["steps"]);
        let mut s = three_steps();
        s[0].condition = StepCondition::Connected;
        s[1].variants.clear();
        s[2].delay_hours = MAX_DELAY_HOURS + 1;
        s[2].variants[0].id = "no spaces".into();
        assert_eq!(
            fields(&s),
            [
                "steps[0].condition",
                "steps[1].variants",
                "steps[2].delay_hours",
                "steps[2].variants[0].id"
            ]
        );
    }

    #[test]
    fn the_next_step_is_due_its_delay_after_the_previous_one() {
        let s = three_steps();
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let (next, at) = follow_up(&s, "1", t0).unwrap();
        assert_eq!((next.id.as_str(), at), ("2", t0 + Duration::hours(72)));
        let (next, at) = follow_up(&s, "2", at).unwrap();
        assert_eq!((next.id.as_str(), at), ("3", t0 + Duration::hours(72 + 96)));
        assert!(follow_up(&s, "3", at).is_none(), "the last step");
        assert!(follow_up(&s, "gone", at).is_none(), "a removed step");
    }

    #[test]
    fn a_reply_stops_and_a_failed_condition_skips() {
        let s = three_steps();
        let fine = LeadFacts {
            connected: true,
            ..LeadFacts::default()
        };
        assert_eq!(decide(&s[1], fine), StepDecision::Send);
        assert_eq!(decide(&s[2], fine), StepDecision::Skip);
        let opened = LeadFacts {
            opened_magnet: true,
            ..fine
        };
        assert_eq!(decide(&s[2], opened), StepDecision::Send);
        let replied = LeadFacts {
            stopped: true,
            ..opened
        };
        assert_eq!(decide(&s[1], replied), StepDecision::Stop);
        assert_eq!(decide(&s[2], replied), StepDecision::Stop);
        let mut connected = s[1].clone();
        connected.condition = StepCondition::Connected;
        assert_eq!(decide(&connected, LeadFacts::default()), StepDecision::Skip);
    }

    #[test]
    fn ids_are_given_only_where_missing() {
        let mut s = three_steps();
        s[1].id.clear();
        s[2].variants[0].id = " ".into();
        let mut n = 0;
        assign_ids(&mut s, || {
            n += 1;
            format!("new{n}")
        });
        assert_eq!(s[0].id, "1");
        assert_eq!(s[1].id, "new1");
        assert_eq!(s[2].variants[0].id, "new2");
        assert_eq!(s[1].variants[0].id, "a");
    }

    #[test]
    fn both_variants_are_used_across_leads_and_a_zero_weight_never() {
        let s = three_steps();
        let mut seen = std::collections::BTreeMap::new();
        for i in 0..200u128 {
            let v = choose_variant(&s[1], Uuid::from_u128(i * 7_919)).unwrap();
            *seen.entry(v.id.clone()).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(seen.values().all(|n| *n > 60), "roughly even: {seen:?}");
        let mut one_off = s[1].clone();
        one_off.variants[1].weight = 0;
        for i in 0..50u128 {
            assert_eq!(
                choose_variant(&one_off, Uuid::from_u128(i)).unwrap().id,
                "a"
            );
        }
    }

    proptest! {
        #[test]
        fn the_variant_is_the_same_on_every_attempt(lead in any::<u128>(), weights in proptest::collection::vec(0u32..=100, 1..5)) {
            let step = SequenceStep {
                id: "2".into(),
                delay_hours: 24,
                condition: StepCondition::NoReply,
                variants: weights.iter().enumerate().map(|(i, w)| variant(&i.to_string(), *w)).collect(),
            };
            let lead = Uuid::from_u128(lead);
            let first = choose_variant(&step, lead).map(|v| v.id.clone());
            prop_assert_eq!(first.clone(), choose_variant(&step, lead).map(|v| v.id.clone()));
            match first {
                None => prop_assert!(weights.iter().all(|w| *w == 0)),
                Some(id) => {
                    let chosen = step.variants.iter().find(|v| v.id == id).unwrap();
                    prop_assert!(chosen.weight > 0, "a zero-weight variant is never chosen");
                }
            }
        }

        #[test]
        fn follow_ups_come_in_order_and_never_before_their_delay(delays in proptest::collection::vec(1u32..=MAX_DELAY_HOURS, 0..8), start in 0i64..2_000_000_000) {
            let mut steps = one_step("Hi");
            for (i, d) in delays.iter().enumerate() {
                steps.push(SequenceStep { id: format!("s{i}"), delay_hours: *d, condition: StepCondition::NoReply, variants: vec![variant("a", 1)] });
            }
            prop_assert!(fields(&steps).is_empty());
            let mut at = DateTime::<Utc>::from_timestamp(start, 0).unwrap();
            let mut id = FIRST_STEP_ID.to_owned();
            let mut n = 1;
            while let Some((next, due)) = follow_up(&steps, &id, at) {
                prop_assert_eq!(due - at, Duration::hours(i64::from(next.delay_hours)));
                prop_assert_eq!(&next.id, &steps[n].id);
                at = due;
                id = next.id.clone();
                n += 1;
            }
            prop_assert_eq!(n, steps.len());
        }
    }
}
