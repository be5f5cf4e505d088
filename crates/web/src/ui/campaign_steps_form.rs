//! The campaign form's sequence editor: the steps as indexed plain form fields
//! (`steps[1][delay]`, `steps[1][variants][0][template]`, …) read back into
//! [`SequenceStep`]s with every problem named by its field, and the editor's buttons (add or
//! remove a step or a variant) applied to the posted fields so the form is shown again
//! without JavaScript. The first step's first text is the form's `dm_template` field; every
//! step and variant posts its id back, so an edit keeps what was sent recorded against it.

use revos_domain::sequence::{MAX_STEPS, MAX_VARIANTS, SequenceStep, StepCondition, StepVariant};
use serde::Serialize;
use std::collections::BTreeMap;

/// The conditions a follow-up offers, by their API names, with their labels.
pub(super) const CONDITIONS: [(&str, &str); 3] = [
    ("no_reply", "No reply yet"),
    ("connected", "No reply, and connected"),
    ("opened_magnet", "No reply, and opened the lead magnet"),
];

/// The delay a new follow-up starts with, in days.
const NEW_STEP_DAYS: u32 = 3;

/// One variant's fields as posted (and shown again).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(super) struct VariantFields {
    /// Its stable id; empty for a new one.
    pub id: String,
    /// Its text (for the first step's first variant, the form's `dm_template` instead).
    pub template: String,
    /// Its weight as typed.
    pub weight: String,
}

/// One step's fields as posted (and shown again).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(super) struct StepFields {
    /// Its stable id; empty for a new one.
    pub id: String,
    /// Its delay after the previous step as typed, in `unit`s.
    pub delay: String,
    /// `hours` or `days`.
    pub unit: String,
    /// Its condition's API name.
    pub condition: String,
    /// Its texts.
    pub variants: Vec<VariantFields>,
}

impl StepFields {
    /// A new follow-up: a few days after the previous step, if no reply, one empty text.
    fn new_follow_up() -> Self {
        Self {
            id: String::new(),
            delay: NEW_STEP_DAYS.to_string(),
            unit: "days".into(),
            condition: "no_reply".into(),
            variants: vec![VariantFields::new_text()],
        }
    }

    /// A saved step, its delay in days when it is a whole number of them.
    fn from_step(step: &SequenceStep) -> Self {
        let days = step.delay_hours > 0 && step.delay_hours.is_multiple_of(24);
        Self {
            id: step.id.clone(),
            delay: if days {
                (step.delay_hours / 24).to_string()
            } else {
                step.delay_hours.to_string()
            },
            unit: if days { "days" } else { "hours" }.into(),
            condition: condition_name(step.condition).into(),
            variants: step
                .variants
                .iter()
                .map(|v| VariantFields {
                    id: v.id.clone(),
                    template: v.template.clone(),
                    weight: v.weight.to_string(),
                })
                .collect(),
        }
    }
}

impl VariantFields {
    /// A new empty text of weight 1.
    fn new_text() -> Self {
        Self {
            id: String::new(),
            template: String::new(),
            weight: "1".into(),
        }
    }
}

fn condition_name(c: StepCondition) -> &'static str {
    match c {
        StepCondition::NoReply => "no_reply",
        StepCondition::Connected => "connected",
        StepCondition::OpenedMagnet => "opened_magnet",
    }
}

/// The steps' fields of a saved sequence.
pub(super) fn from_steps(steps: &[SequenceStep]) -> Vec<StepFields> {
    steps.iter().map(StepFields::from_step).collect()
}

/// The steps' fields among the posted ones (`rest`: every field the form struct does not
/// name), in index order; empty when the form posted none (a client of the old form).
pub(super) fn read_fields(rest: &BTreeMap<String, String>) -> Vec<StepFields> {
    let mut steps: BTreeMap<usize, StepFields> = BTreeMap::new();
    let mut variants: BTreeMap<(usize, usize), VariantFields> = BTreeMap::new();
    for (key, value) in rest {
        let Some(parts) = key_parts(key) else {
            continue;
        };
        match parts.as_slice() {
            [i, field] => {
                let Ok(i) = i.parse::<usize>() else { continue };
                let step = steps.entry(i).or_default();
                match *field {
                    "id" => step.id = value.clone(),
                    "delay" => step.delay = value.clone(),
                    "unit" => step.unit = value.clone(),
                    "condition" => step.condition = value.clone(),
                    _ => {}
                }
            }
            [i, "variants", j, field] => {
                let (Ok(i), Ok(j)) = (i.parse::<usize>(), j.parse::<usize>()) else {
                    continue;
                };
                steps.entry(i).or_default();
                let v = variants.entry((i, j)).or_default();
                match *field {
                    "id" => v.id = value.clone(),
                    "template" => v.template = value.clone(),
                    "weight" => v.weight = value.clone(),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    // Indexes only order the fields: gaps (a step removed by hand) close up.
    let mut out: Vec<StepFields> = Vec::new();
    let mut positions: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, step) in steps {
        positions.insert(i, out.len());
        out.push(step);
    }
    for ((i, _), v) in variants {
        if let Some(&at) = positions.get(&i) {
            out[at].variants.push(v);
        }
    }
    if let Some(first) = out.first_mut()
        && first.variants.is_empty()
    {
        // The first text itself is `dm_template`.
        first.variants.push(VariantFields::new_text());
    }
    out
}

/// `steps[1][variants][0][template]` → `["1", "variants", "0", "template"]`.
fn key_parts(key: &str) -> Option<Vec<&str>> {
    let rest = key.strip_prefix("steps[")?.strip_suffix(']')?;
    Some(rest.split("][").collect())
}

/// An editor button's action, from the `steps_action` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StepsAction {
    /// Adds a follow-up at the end.
    AddStep,
    /// Removes follow-up `i` (never the first step).
    RemoveStep(usize),
    /// Adds a text to step `i`.
    AddVariant(usize),
    /// Removes text `j` of step `i` (never a step's last one).
    RemoveVariant(usize, usize),
}

impl StepsAction {
    /// The action a button's value names: `add_step`, `remove_step-2`, `add_variant-1`,
    /// `remove_variant-1-0`; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.split('-');
        let name = parts.next()?;
        let nums: Vec<usize> = parts.map(|p| p.parse().ok()).collect::<Option<_>>()?;
        match (name, nums.as_slice()) {
            ("add_step", []) => Some(Self::AddStep),
            ("remove_step", [i]) => Some(Self::RemoveStep(*i)),
            ("add_variant", [i]) => Some(Self::AddVariant(*i)),
            ("remove_variant", [i, j]) => Some(Self::RemoveVariant(*i, *j)),
            _ => None,
        }
    }

    /// Applies the action to `steps` (an out-of-range one changes nothing). The first text
    /// is the form's `dm_template`: removing the first step's first variant moves the
    /// second text into `dm_template`.
    pub fn apply(self, steps: &mut Vec<StepFields>, dm_template: &mut String) {
        match self {
            Self::AddStep if steps.len() < MAX_STEPS => {
                if steps.is_empty() {
                    steps.push(StepFields {
                        unit: "hours".into(),
                        delay: "0".into(),
                        condition: "no_reply".into(),
                        ..StepFields::new_follow_up()
                    });
                }
                steps.push(StepFields::new_follow_up());
            }
            Self::RemoveStep(i) if i > 0 && i < steps.len() => {
                steps.remove(i);
            }
            Self::AddVariant(i) => {
                if let Some(step) = steps.get_mut(i)
                    && step.variants.len() < MAX_VARIANTS
                {
                    step.variants.push(VariantFields::new_text());
                }
            }
            Self::RemoveVariant(i, j) => {
                let Some(step) = steps.get_mut(i) else { return };
                if step.variants.len() < 2 || j >= step.variants.len() {
                    return;
                }
                if (i, j) == (0, 0) {
                    *dm_template = step.variants[1].template.clone();
                }
                step.variants.remove(j);
            }
            _ => {}
        }
    }
}

/// The sequence the fields describe (the first text being `dm_template`), or every problem
/// with the typed values as (field, message) in the API's names (`steps[1].delay_hours`);
/// the sequence's own rules are checked with the campaign.
pub(super) fn to_steps(
    fields: &[StepFields],
    dm_template: &str,
) -> Result<Vec<SequenceStep>, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut steps = Vec::with_capacity(fields.len());
    for (i, f) in fields.iter().enumerate() {
        let at = format!("steps[{i}]");
        let delay_hours = if i == 0 {
            0
        } else {
            let per = match f.unit.as_str() {
                "days" => 24,
                "hours" | "" => 1,
                _ => {
                    errors.push((format!("{at}.delay_hours"), "choose hours or days".into()));
                    1
                }
            };
            match f.delay.trim().parse::<u32>() {
                Ok(n) => n.saturating_mul(per),
                Err(_) => {
                    errors.push((format!("{at}.delay_hours"), "must be a whole number".into()));
                    0
                }
            }
        };
        let condition = match f.condition.as_str() {
            "" | "no_reply" => StepCondition::NoReply,
            "connected" => StepCondition::Connected,
            "opened_magnet" => StepCondition::OpenedMagnet,
            _ => {
                errors.push((
                    format!("{at}.condition"),
                    "choose a condition from the list".into(),
                ));
                StepCondition::NoReply
            }
        };
        let variants = f
            .variants
            .iter()
            .enumerate()
            .map(|(j, v)| {
                let weight = match v.weight.trim() {
                    "" => 1,
                    raw => raw.parse::<u32>().unwrap_or_else(|_| {
                        errors.push((
                            format!("{at}.variants[{j}].weight"),
                            "must be a whole number from 0 to 100".into(),
                        ));
                        1
                    }),
                };
                let template = if (i, j) == (0, 0) {
                    dm_template
                } else {
                    v.template.trim()
                };
                StepVariant {
                    id: v.id.trim().to_owned(),
                    template: template.to_owned(),
                    weight,
                }
            })
            .collect();
        steps.push(SequenceStep {
            id: f.id.trim().to_owned(),
            delay_hours,
            condition,
            variants,
        });
    }
    if errors.is_empty() {
        Ok(steps)
    } else {
        Err(errors)
    }
}

/// The form field id of a sequence error's field: `steps[1].variants[0].template` →
/// `steps-1-variants-0-template`; `None` for any other field.
pub(super) fn error_id(field: &str) -> Option<String> {
    field.starts_with("steps[").then(|| {
        field
            .replace("].", "-")
            .replace(['[', '.'], "-")
            .replace(']', "")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn indexed_fields_read_back_as_steps_with_their_ids() {
        let rest = posted(&[
            ("steps[0][id]", "1"),
            ("steps[0][variants][0][id]", "a"),
            ("steps[0][variants][0][weight]", "3"),
            ("steps[0][variants][1][template]", "Second text"),
            ("steps[0][variants][1][weight]", "1"),
            ("steps[2][id]", "s2"),
            ("steps[2][delay]", "3"),
            ("steps[2][unit]", "days"),
            ("steps[2][condition]", "opened_magnet"),
            ("steps[2][variants][0][id]", "x"),
            ("steps[2][variants][0][template]", " Nudge "),
            ("unrelated", "ignored"),
        ]);
        let fields = read_fields(&rest);
        assert_eq!(fields.len(), 2, "the gap closes: {fields:?}");
        let steps = to_steps(&fields, "First").unwrap();
        assert_eq!(steps[0].id, "1");
        assert_eq!(steps[0].variants[0].template, "First", "dm_template");
        assert_eq!(
            (
                steps[0].variants[0].id.as_str(),
                steps[0].variants[0].weight
            ),
            ("a", 3)
        );
        assert_eq!(
            steps[0].variants[1].id, "",
            "a new text gets its id on save"
        );
        assert_eq!(steps[1].id, "s2");
        assert_eq!(steps[1].delay_hours, 72);
        assert_eq!(steps[1].condition, StepCondition::OpenedMagnet);
        assert_eq!(steps[1].variants[0].template, "Nudge");
        // And back: a saved sequence shows the same fields.
        let shown = from_steps(&steps);
        assert_eq!(shown[1].delay, "3");
        assert_eq!(shown[1].unit, "days");
        assert_eq!(to_steps(&shown, "First").unwrap(), steps);
        assert!(read_fields(&posted(&[("name", "x")])).is_empty());
    }

    #[test]
    fn typed_mistakes_name_their_fields() {
        let fields = vec![
            StepFields {
                variants: vec![VariantFields::new_text()],
                ..StepFields::default()
            },
            StepFields {
                delay: "soon".into(),
                condition: "maybe".into(),
                variants: vec![VariantFields {
                    weight: "heavy".into(),
                    ..VariantFields::new_text()
                }],
                ..StepFields::new_follow_up()
            },
        ];
        let errors = to_steps(&fields, "Hi").unwrap_err();
        let names: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "steps[1].delay_hours",
                "steps[1].condition",
                "steps[1].variants[0].weight"
            ]
        );
        assert_eq!(
            error_id("steps[1].variants[0].template").as_deref(),
            Some("steps-1-variants-0-template")
        );
        assert_eq!(
            error_id("steps[2].delay_hours").as_deref(),
            Some("steps-2-delay_hours")
        );
        assert_eq!(error_id("steps").as_deref(), None);
        assert_eq!(error_id("dm_template"), None);
    }

    #[test]
    fn buttons_add_and_remove_within_the_limits() {
        let mut template = "First".to_owned();
        let mut steps = Vec::new();
        StepsAction::parse("add_step")
            .unwrap()
            .apply(&mut steps, &mut template);
        assert_eq!(steps.len(), 2, "the first step and a follow-up");
        assert_eq!(steps[1].delay, "3");
        StepsAction::parse("add_variant-0")
            .unwrap()
            .apply(&mut steps, &mut template);
        steps[0].variants[1].template = "Second".into();
        StepsAction::parse("remove_variant-0-0")
            .unwrap()
            .apply(&mut steps, &mut template);
        assert_eq!(template, "Second", "the next text becomes the first");
        assert_eq!(steps[0].variants.len(), 1);
        StepsAction::RemoveVariant(0, 0).apply(&mut steps, &mut template);
        assert_eq!(steps[0].variants.len(), 1, "a step keeps one text");
        StepsAction::RemoveStep(0).apply(&mut steps, &mut template);
        assert_eq!(steps.len(), 2, "the first step stays");
        StepsAction::parse("remove_step-1")
            .unwrap()
            .apply(&mut steps, &mut template);
        assert_eq!(steps.len(), 1);
        for _ in 0..20 {
            StepsAction::AddStep.apply(&mut steps, &mut template);
            StepsAction::AddVariant(0).apply(&mut steps, &mut template);
        }
        assert_eq!(steps.len(), MAX_STEPS);
        assert_eq!(steps[0].variants.len(), MAX_VARIANTS);
        for bad in ["", "add_step-1", "remove_step", "remove_step-x", "drop"] {
            assert_eq!(StepsAction::parse(bad), None, "{bad}");
        }
    }
}
