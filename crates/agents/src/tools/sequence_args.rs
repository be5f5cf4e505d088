//! The `steps` argument of the campaign tools: a multi-step sequence as the model writes it
//! (delays in hours, conditions by name, texts with optional weights), turned into the
//! campaign's [`SequenceStep`]s. The sequence's rules are the campaign's own, checked by the
//! same use case as the API; only what the model may spell wrong is checked here.

use super::ToolError;
use revos_domain::sequence::{SequenceStep, StepCondition, StepVariant};
use schemars::JsonSchema;
use serde::Deserialize;

/// One step of a sequence.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepArg {
    /// The step's id as campaign_report shows it: keeps the step (what was sent stays
    /// recorded against it, so it is never sent again). Omitted: the id of the current step
    /// at the same position, or a new step.
    #[serde(default)]
    pub id: Option<String>,
    /// Hours after the previous step before this one is sent, e.g. 72 for three days; 0 (or
    /// omitted) for the first step, which goes out when a commenter qualifies.
    #[serde(default)]
    pub delay_hours: u32,
    /// When a follow-up is sent (always only to leads who have not replied): "no_reply"
    /// (the default), "connected" (also a first-degree connection) or "opened_magnet" (also
    /// opened the lead magnet link). The first step has no condition.
    #[serde(default)]
    pub condition: Option<String>,
    /// The step's texts (1 to 5), with variables such as {{ first_name }} and
    /// {{ lead_magnet_url }}; several are an A/B test splitting the leads by weight.
    pub variants: Vec<VariantArg>,
}

/// One text of a step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantArg {
    /// The text's id as campaign_report shows it; omitted: the current text at the same
    /// position, or a new one.
    #[serde(default)]
    pub id: Option<String>,
    /// The DM text.
    pub template: String,
    /// Its share of the step's leads, 0 to 100 (default 1; 0 pauses it).
    #[serde(default)]
    pub weight: Option<u32>,
}

/// The sequence `args` describe over the campaign's `current` steps (empty for a new
/// campaign): ids left out are taken from the current step (and text) at the same position,
/// so restating a sequence never makes its sent steps new.
pub(super) fn to_steps(
    args: Vec<StepArg>,
    current: &[SequenceStep],
) -> Result<Vec<SequenceStep>, ToolError> {
    args.into_iter()
        .enumerate()
        .map(|(i, step)| {
            let here = current.get(i);
            let condition = match step.condition.as_deref().map(str::trim) {
                None | Some("" | "no_reply") => StepCondition::NoReply,
                Some("connected") => StepCondition::Connected,
                Some("opened_magnet") => StepCondition::OpenedMagnet,
                Some(_) => {
                    return Err(ToolError::field(
                        "validation_failed",
                        &format!("steps[{i}].condition"),
                        "must be no_reply, connected or opened_magnet",
                    ));
                }
            };
            let variants = step
                .variants
                .into_iter()
                .enumerate()
                .map(|(j, v)| StepVariant {
                    id: v.id.filter(|id| !id.trim().is_empty()).unwrap_or_else(|| {
                        here.and_then(|s| s.variants.get(j))
                            .map(|w| w.id.clone())
                            .unwrap_or_default()
                    }),
                    template: v.template,
                    weight: v.weight.unwrap_or(1),
                })
                .collect();
            Ok(SequenceStep {
                id: step
                    .id
                    .filter(|id| !id.trim().is_empty())
                    .or_else(|| here.map(|s| s.id.clone()))
                    .unwrap_or_default(),
                delay_hours: step.delay_hours,
                condition,
                variants,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(id: Option<&str>, delay_hours: u32, condition: Option<&str>, texts: &[&str]) -> StepArg {
        StepArg {
            id: id.map(str::to_owned),
            delay_hours,
            condition: condition.map(str::to_owned),
            variants: texts
                .iter()
                .map(|t| VariantArg {
                    id: None,
                    template: (*t).to_owned(),
                    weight: None,
                })
                .collect(),
        }
    }

    #[test]
    fn left_out_ids_are_the_current_ones_by_position() {
        let current = revos_domain::sequence::one_step("Hi");
        let steps = to_steps(
            vec![
                arg(None, 0, None, &["Hello", "Hey"]),
                arg(None, 72, Some("opened_magnet"), &["Nudge"]),
                arg(Some("mine"), 24, Some("connected"), &["Last"]),
            ],
            &current,
        )
        .unwrap();
        assert_eq!(steps[0].id, "1");
        assert_eq!(steps[0].variants[0].id, "a");
        assert_eq!(steps[0].variants[1].id, "", "a new text");
        assert_eq!(steps[1].id, "", "a new step");
        assert_eq!(steps[1].condition, StepCondition::OpenedMagnet);
        assert_eq!(steps[1].delay_hours, 72);
        assert_eq!(steps[2].id, "mine");
        assert_eq!(steps[2].variants[0].weight, 1);
        let e = to_steps(
            vec![
                arg(None, 0, None, &["x"]),
                arg(None, 1, Some("later"), &["y"]),
            ],
            &[],
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("steps[1].condition"));
    }
}
