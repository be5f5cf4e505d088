//! The cartridge editor's form: every field of a [`CartridgeSpec`] as text a person edits
//! (lists one item per line, examples as numbered rows), named by the same paths the domain's
//! validation reports (`persona.role`, `writing_style.tone`, `examples[0].post`), so each
//! message lands beside its field.

use revos_domain::cartridge::{
    Brand, CartridgeSpec, Example, IndustryKnowledge, Persona, SentenceStructure, Tone,
    WritingStyle,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// One example row of the form.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(super) struct ExampleRow {
    post: String,
    dm: String,
    email: String,
}

impl ExampleRow {
    fn is_blank(&self) -> bool {
        [&self.post, &self.dm, &self.email]
            .iter()
            .all(|t| t.trim().is_empty())
    }
}

/// The form's values, as sent or as shown.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(super) struct CartridgeForm {
    name: String,
    role: String,
    expertise: String,
    target_audience: String,
    tone: String,
    vocabulary_level: String,
    sentence_structure: String,
    storytelling_approach: String,
    niche: String,
    key_topics: String,
    common_pain_points: String,
    solution_frameworks: String,
    tools_enabled: String,
    system_prompt: String,
    examples: Vec<ExampleRow>,
    primary_color: String,
    accent_color: String,
    logo_file_id: String,
}

fn tone_name(t: Tone) -> &'static str {
    match t {
        Tone::Professional => "professional",
        Tone::Casual => "casual",
        Tone::Authoritative => "authoritative",
    }
}

fn structure_name(s: SentenceStructure) -> &'static str {
    match s {
        SentenceStructure::Short => "short",
        SentenceStructure::Medium => "medium",
        SentenceStructure::Long => "long",
    }
}

/// One item per non-blank line, trimmed.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl CartridgeForm {
    /// A new cartridge's starting values.
    pub fn blank() -> Self {
        Self {
            tone: "professional".into(),
            vocabulary_level: "5".into(),
            sentence_structure: "medium".into(),
            ..Self::default()
        }
    }

    /// How many example rows the form has (the next row's index, for adding one).
    pub fn example_count(&self) -> usize {
        self.examples.len()
    }

    /// The values of an existing cartridge.
    pub fn from_spec(spec: &CartridgeSpec) -> Self {
        let brand = spec.brand.clone().unwrap_or_default();
        Self {
            name: spec.name.clone(),
            role: spec.persona.role.clone(),
            expertise: spec.persona.expertise.join("\n"),
            target_audience: spec.persona.target_audience.clone(),
            tone: tone_name(spec.writing_style.tone).into(),
            vocabulary_level: spec.writing_style.vocabulary_level.to_string(),
            sentence_structure: structure_name(spec.writing_style.sentence_structure).into(),
            storytelling_approach: spec.writing_style.storytelling_approach.clone(),
            niche: spec.industry_knowledge.niche.clone(),
            key_topics: spec.industry_knowledge.key_topics.join("\n"),
            common_pain_points: spec.industry_knowledge.common_pain_points.join("\n"),
            solution_frameworks: spec.industry_knowledge.solution_frameworks.join("\n"),
            tools_enabled: spec.tools_enabled.join("\n"),
            system_prompt: spec.system_prompt.clone().unwrap_or_default(),
            examples: spec
                .examples
                .iter()
                .map(|e| ExampleRow {
                    post: e.post.clone(),
                    dm: e.dm.clone(),
                    email: e.email.clone(),
                })
                .collect(),
            primary_color: brand.primary_color.clone().unwrap_or_default(),
            accent_color: brand.accent_color.clone().unwrap_or_default(),
            logo_file_id: brand
                .logo_file_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        }
    }

    /// The values of a submitted form (its fields named by their paths). Blank example rows
    /// are dropped and the rest numbered from 0, as they will be saved and shown again.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = Self::default();
        let mut rows: BTreeMap<usize, ExampleRow> = BTreeMap::new();
        for (key, value) in pairs {
            let v = value.clone();
            match key.as_str() {
                "name" => f.name = v,
                "persona.role" => f.role = v,
                "persona.expertise" => f.expertise = v,
                "persona.target_audience" => f.target_audience = v,
                "writing_style.tone" => f.tone = v,
                "writing_style.vocabulary_level" => f.vocabulary_level = v,
                "writing_style.sentence_structure" => f.sentence_structure = v,
                "writing_style.storytelling_approach" => f.storytelling_approach = v,
                "industry_knowledge.niche" => f.niche = v,
                "industry_knowledge.key_topics" => f.key_topics = v,
                "industry_knowledge.common_pain_points" => f.common_pain_points = v,
                "industry_knowledge.solution_frameworks" => f.solution_frameworks = v,
                "tools_enabled" => f.tools_enabled = v,
                "system_prompt" => f.system_prompt = v,
                "brand.primary_color" => f.primary_color = v,
                "brand.accent_color" => f.accent_color = v,
                "brand.logo_file_id" => f.logo_file_id = v,
                other => {
                    let Some((index, part)) = other
                        .strip_prefix("examples[")
                        .and_then(|rest| rest.split_once("]."))
                    else {
                        continue;
                    };
                    let Ok(index) = index.parse::<usize>() else {
                        continue;
                    };
                    let row = rows.entry(index).or_default();
                    match part {
                        "post" => row.post = v,
                        "dm" => row.dm = v,
                        "email" => row.email = v,
                        _ => {}
                    }
                }
            }
        }
        f.examples = rows.into_values().filter(|r| !r.is_blank()).collect();
        f
    }

    /// The cartridge the form describes, or every problem as (field path, message): those
    /// of the form itself (a tone not offered, a level that is no number) and the domain's.
    pub fn to_spec(&self) -> Result<CartridgeSpec, Vec<(String, String)>> {
        let mut errors = Vec::new();
        let tone = match self.tone.trim() {
            "professional" => Tone::Professional,
            "casual" => Tone::Casual,
            "authoritative" => Tone::Authoritative,
            _ => {
                errors.push((
                    "writing_style.tone".to_owned(),
                    "choose professional, casual or authoritative".to_owned(),
                ));
                Tone::Professional
            }
        };
        let sentence_structure = match self.sentence_structure.trim() {
            "short" => SentenceStructure::Short,
            "medium" => SentenceStructure::Medium,
            "long" => SentenceStructure::Long,
            _ => {
                errors.push((
                    "writing_style.sentence_structure".to_owned(),
                    "choose short, medium or long".to_owned(),
                ));
                SentenceStructure::Medium
            }
        };
        let vocabulary_level = self
            .vocabulary_level
            .trim()
            .parse::<u8>()
            .unwrap_or_else(|_| {
                errors.push((
                    "writing_style.vocabulary_level".to_owned(),
                    "must be a whole number between 1 and 10".to_owned(),
                ));
                5
            });
        let optional = |text: &str| {
            Some(text.trim())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let logo_file_id =
            optional(&self.logo_file_id).and_then(|id| match id.parse::<uuid::Uuid>() {
                Ok(id) => Some(id.into()),
                Err(_) => {
                    errors.push((
                        "brand.logo_file_id".to_owned(),
                        "must be a file id".to_owned(),
                    ));
                    None
                }
            });
        let brand = Brand {
            primary_color: optional(&self.primary_color),
            accent_color: optional(&self.accent_color),
            logo_file_id,
        };
        let spec = CartridgeSpec {
            brand: (brand != Brand::default()).then_some(brand),
            name: self.name.trim().to_owned(),
            persona: Persona {
                role: self.role.trim().to_owned(),
                expertise: lines(&self.expertise),
                target_audience: self.target_audience.trim().to_owned(),
            },
            writing_style: WritingStyle {
                tone,
                vocabulary_level,
                sentence_structure,
                storytelling_approach: self.storytelling_approach.trim().to_owned(),
            },
            industry_knowledge: IndustryKnowledge {
                niche: self.niche.trim().to_owned(),
                key_topics: lines(&self.key_topics),
                common_pain_points: lines(&self.common_pain_points),
                solution_frameworks: lines(&self.solution_frameworks),
            },
            tools_enabled: lines(&self.tools_enabled),
            system_prompt: Some(self.system_prompt.trim())
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            examples: self
                .examples
                .iter()
                .map(|r| Example {
                    post: r.post.trim().to_owned(),
                    dm: r.dm.trim().to_owned(),
                    email: r.email.trim().to_owned(),
                })
                .collect(),
        };
        if let Err(v) = spec.validate() {
            errors.extend(
                v.0.into_iter()
                    .filter(|e| !errors.iter().any(|(f, _)| *f == e.field))
                    .map(|e| (e.field, e.message))
                    .collect::<Vec<_>>(),
            );
        }
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn valid() -> Vec<(String, String)> {
        pairs(&[
            ("name", " Dana "),
            ("persona.role", "Coach"),
            ("persona.expertise", "leadership\n\n  feedback \n"),
            ("persona.target_audience", "new managers"),
            ("writing_style.tone", "casual"),
            ("writing_style.vocabulary_level", "7"),
            ("writing_style.sentence_structure", "short"),
            ("industry_knowledge.niche", "tech"),
            ("tools_enabled", "apollo\r\nmcp:crm"),
            ("system_prompt", "  "),
            ("examples[0].post", ""),
            ("examples[3].dm", "Hi there"),
            ("examples[1].post", "First"),
        ])
    }

    #[test]
    fn a_filled_form_becomes_the_spec_and_round_trips() {
        let form = CartridgeForm::from_pairs(&valid());
        let spec = form.to_spec().unwrap();
        assert_eq!(spec.name, "Dana");
        assert_eq!(spec.persona.expertise, ["leadership", "feedback"]);
        assert_eq!(spec.writing_style.tone, Tone::Casual);
        assert_eq!(spec.writing_style.vocabulary_level, 7);
        assert_eq!(spec.tools_enabled.len(), 2);
        assert_eq!(spec.system_prompt, None);
        // Blank rows are dropped; the rest keep their order, numbered from 0.
        let posts: Vec<_> = spec.examples.iter().map(|e| e.post.as_str()).collect();
        assert_eq!(posts, ["First", ""]);
        assert_eq!(spec.examples[1].dm, "Hi there");
        let again = CartridgeForm::from_spec(&spec);
        assert_eq!(again.to_spec().unwrap(), spec);
    }

    #[test]
    fn every_problem_is_named_by_its_path() {
        let mut p = valid();
        for (k, v) in p.iter_mut() {
            match k.as_str() {
                "writing_style.tone" => *v = "shouty".into(),
                "writing_style.vocabulary_level" => *v = "eleven".into(),
                "persona.role" => *v = " ".into(),
                "tools_enabled" => *v = "ok\nnot ok".into(),
                _ => {}
            }
        }
        let errors = CartridgeForm::from_pairs(&p).to_spec().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "writing_style.tone",
                "writing_style.vocabulary_level",
                "persona.role",
                "tools_enabled[1]"
            ]
        );
    }

    #[test]
    fn an_override_prompt_is_kept() {
        let mut p = valid();
        p.push(("system_prompt".into(), "Be brief.".into()));
        let spec = CartridgeForm::from_pairs(&p).to_spec().unwrap();
        assert_eq!(spec.system_prompt.as_deref(), Some("Be brief."));
    }
}
