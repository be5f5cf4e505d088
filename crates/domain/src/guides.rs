//! Generated lead magnets: a guide or checklist written for a cartridge as Markdown, approved by
//! a person, then rendered to a PDF. This module holds their states, kinds and the offline
//! writer used when no model is configured.

use serde::{Deserialize, Serialize};

use crate::cartridge::CartridgeSpec;
use crate::stored_name::stored_names;

/// Where a guide is in its life: written, approved by a person, rendered to a PDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuideStatus {
    /// Written, editable, waiting for approval.
    Draft,
    /// Approved; its PDF is being (or could not yet be) rendered.
    Approved,
    /// Approved and rendered: `file_id` holds the PDF.
    Rendered,
}

impl GuideStatus {
    /// Every status.
    pub const ALL: [Self; 3] = [Self::Draft, Self::Approved, Self::Rendered];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Approved => "approved",
            Self::Rendered => "rendered",
        }
    }
}
stored_names!(GuideStatus, "guide status");

/// What is written: a guide (sections of prose and steps) or a checklist (items to tick).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuideKind {
    /// Sections of explanation and steps.
    Guide,
    /// A list of things to do or check.
    Checklist,
}

impl GuideKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::Guide, Self::Checklist];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guide => "guide",
            Self::Checklist => "checklist",
        }
    }

    /// The title a guide of this kind gets for `topic` when the writer gives none.
    pub fn default_title(self, topic: &str) -> String {
        match self {
            Self::Guide => format!("A practical guide to {}", topic.trim()),
            Self::Checklist => format!("The {} checklist", topic.trim()),
        }
    }
}
stored_names!(GuideKind, "guide kind");

/// The most characters a guide's Markdown may have.
pub const MAX_GUIDE_MARKDOWN: usize = 60_000;

/// The title a Markdown document gives itself: its first level-1 heading, if any.
pub fn markdown_title(markdown: &str) -> Option<String> {
    markdown
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("# "))
        .map(|title| title.trim().chars().take(200).collect::<String>())
        .filter(|title| !title.is_empty())
}

/// Writes a guide or checklist about `topic` from the cartridge alone (no model): the
/// audience's pain points, the client's frameworks and topics, in the cartridge's name.
pub fn offline_guide(spec: &CartridgeSpec, kind: GuideKind, topic: &str) -> String {
    let topic = topic.trim();
    let title = kind.default_title(topic);
    let p = &spec.persona;
    let k = &spec.industry_knowledge;
    let mut out = format!(
        "# {title}\n\nWritten by {} ({}) for {}.\n\n",
        spec.name, p.role, p.target_audience
    );
    out.push_str("## Why this matters\n\n");
    out.push_str(&format!(
        "In {}, {topic} is where good intentions meet real results.",
        k.niche
    ));
    if !k.common_pain_points.is_empty() {
        out.push_str(" The problems we see most often:\n\n");
        for pain in &k.common_pain_points {
            out.push_str(&format!("- {}\n", pain.trim()));
        }
    }
    out.push('\n');
    match kind {
        GuideKind::Guide => {
            out.push_str("## The approach, step by step\n\n");
            let mut steps: Vec<String> = k
                .solution_frameworks
                .iter()
                .map(|f| format!("Apply **{}** to {topic}.", f.trim()))
                .collect();
            steps.push(format!(
                "Write down what success with {topic} looks like in one sentence."
            ));
            steps.push("Pick the one change with the biggest effect and do it this week.".into());
            steps.push("Review the results after two weeks and adjust.".into());
            for (i, step) in steps.iter().enumerate() {
                out.push_str(&format!("{}. {step}\n", i + 1));
            }
            if !k.key_topics.is_empty() {
                out.push_str("\n## Related topics\n\n");
                for t in &k.key_topics {
                    out.push_str(&format!("- {}\n", t.trim()));
                }
            }
        }
        GuideKind::Checklist => {
            out.push_str("## Checklist\n\n");
            out.push_str(&format!("- [ ] Define the goal for {topic}\n"));
            for f in &k.solution_frameworks {
                out.push_str(&format!("- [ ] Run through *{}*\n", f.trim()));
            }
            for pain in &k.common_pain_points {
                out.push_str(&format!(
                    "- [ ] Check you are not falling into: {}\n",
                    pain.trim()
                ));
            }
            out.push_str("- [ ] Schedule a review in two weeks\n");
        }
    }
    out.push_str(&format!(
        "\n## Next step\n\nWant help with {topic}? Reply to the message that brought you this {}.\n",
        kind.as_str()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offline_writer_uses_the_cartridge_and_titles_itself() {
        let spec = crate::cartridge::tests::sample();
        let md = offline_guide(&spec, GuideKind::Checklist, "onboarding new managers");
        assert_eq!(
            markdown_title(&md).as_deref(),
            Some("The onboarding new managers checklist")
        );
        assert!(md.contains("Dana Coaching"));
        assert!(md.contains("imposter syndrome"));
        assert!(md.contains("## Checklist"));
        let guide = offline_guide(&spec, GuideKind::Guide, "1:1s");
        assert!(guide.contains("## The approach, step by step"));
    }

    #[test]
    fn words_round_trip() {
        for s in GuideStatus::ALL {
            assert_eq!(s.as_str().parse::<GuideStatus>(), Ok(s));
        }
        for k in GuideKind::ALL {
            assert_eq!(k.as_str().parse::<GuideKind>(), Ok(k));
        }
    }
}
