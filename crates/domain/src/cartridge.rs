//! Cartridges: the persona, writing style, industry knowledge and examples that make AI-written
//! text sound like one particular client. The shape follows the design document's schema.

use crate::ValidationErrors;
use crate::validation::Collector;
use serde::{Deserialize, Serialize};

/// Who the client is and whom they write for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Persona {
    /// The client's role, e.g. "Executive Coach" or "Startup Founder".
    pub role: String,
    /// Areas of expertise the client speaks from.
    #[serde(default)]
    pub expertise: Vec<String>,
    /// The readers the content is for.
    pub target_audience: String,
}

/// The overall register of the client's writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    /// Polished and businesslike.
    Professional,
    /// Relaxed and conversational.
    Casual,
    /// Confident and expert.
    Authoritative,
}

/// Preferred sentence length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SentenceStructure {
    /// Punchy, one idea per sentence.
    Short,
    /// A mix.
    Medium,
    /// Flowing, with subordinate clauses.
    Long,
}

/// How the client writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WritingStyle {
    /// The overall register.
    pub tone: Tone,
    /// 1 (plain words) to 10 (specialist vocabulary).
    pub vocabulary_level: u8,
    /// Preferred sentence length.
    pub sentence_structure: SentenceStructure,
    /// How stories are told, e.g. "opens with a client anecdote".
    #[serde(default)]
    pub storytelling_approach: String,
}

/// What the client knows about their market.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IndustryKnowledge {
    /// The niche, e.g. "B2B SaaS sales leadership".
    pub niche: String,
    /// Topics the client posts about.
    #[serde(default)]
    pub key_topics: Vec<String>,
    /// Problems the audience has.
    #[serde(default)]
    pub common_pain_points: Vec<String>,
    /// Named methods or frameworks the client teaches.
    #[serde(default)]
    pub solution_frameworks: Vec<String>,
}

/// One example of the client's own writing, per channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// A LinkedIn post.
    #[serde(default)]
    pub post: String,
    /// A direct message.
    #[serde(default)]
    pub dm: String,
    /// An email.
    #[serde(default)]
    pub email: String,
}

/// A client's brand for rendered assets (guide covers, quote cards, carousels). Every field is
/// optional; renderers fall back to RevOS's colours.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Brand {
    /// Backgrounds of covers, cards and slides, as `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    /// Rules, markers and highlights, as `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    /// A stored file of purpose `logo` (PNG or JPEG) drawn on guide covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_file_id: Option<crate::FileId>,
}

/// Whether `text` is a colour written as `#RRGGBB`.
pub fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Everything a person edits in a cartridge. `system_prompt` is optional: when absent the
/// prompt is generated from the other fields (see [`CartridgeSpec::effective_system_prompt`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CartridgeSpec {
    /// The client's name as shown in the cartridge selector.
    pub name: String,
    /// Who the client is.
    pub persona: Persona,
    /// How the client writes.
    pub writing_style: WritingStyle,
    /// What the client knows.
    pub industry_knowledge: IndustryKnowledge,
    /// Tool ids the agents may use with this cartridge, and external MCP servers the operator
    /// declared, as `mcp:NAME`.
    #[serde(default)]
    pub tools_enabled: Vec<String>,
    /// A hand-written system prompt that replaces the generated one; absent, `null` or blank
    /// (`""`, as the design's schema sends it) means "generate it".
    #[serde(default, deserialize_with = "blank_is_none")]
    pub system_prompt: Option<String>,
    /// Samples of the client's writing.
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Colours and logo for rendered assets; absent means RevOS's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<Brand>,
}

/// `None` for an absent, `null` or blank string: the design's schema sends `""` for a prompt
/// to be generated.
fn blank_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    Ok(raw.filter(|s| !s.trim().is_empty()))
}

const SHORT: usize = 200;
const MEDIUM: usize = 2_000;
const LONG: usize = 20_000;
const MAX_ITEMS: usize = 50;

impl CartridgeSpec {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut c = Collector::default();
        c.text("name", &self.name, 1, SHORT);
        c.text("persona.role", &self.persona.role, 1, SHORT);
        c.list(
            "persona.expertise",
            &self.persona.expertise,
            MAX_ITEMS,
            SHORT,
        );
        c.text(
            "persona.target_audience",
            &self.persona.target_audience,
            1,
            MEDIUM,
        );
        if !(1..=10).contains(&self.writing_style.vocabulary_level) {
            c.push("writing_style.vocabulary_level", "must be between 1 and 10");
        }
        c.text(
            "writing_style.storytelling_approach",
            &self.writing_style.storytelling_approach,
            0,
            MEDIUM,
        );
        let k = &self.industry_knowledge;
        c.text("industry_knowledge.niche", &k.niche, 1, SHORT);
        c.list(
            "industry_knowledge.key_topics",
            &k.key_topics,
            MAX_ITEMS,
            SHORT,
        );
        c.list(
            "industry_knowledge.common_pain_points",
            &k.common_pain_points,
            MAX_ITEMS,
            MEDIUM,
        );
        c.list(
            "industry_knowledge.solution_frameworks",
            &k.solution_frameworks,
            MAX_ITEMS,
            MEDIUM,
        );
        c.list("tools_enabled", &self.tools_enabled, MAX_ITEMS, MEDIUM);
        for (i, t) in self.tools_enabled.iter().enumerate() {
            if let Err(why) = crate::mcp_servers::ToolEntry::parse(t) {
                c.push(format!("tools_enabled[{i}]"), why);
            }
        }
        if let Some(p) = &self.system_prompt {
            c.text("system_prompt", p, 1, LONG);
        }
        if self.examples.len() > MAX_ITEMS {
            c.push("examples", format!("must have at most {MAX_ITEMS} items"));
        }
        for (i, e) in self.examples.iter().enumerate() {
            for (name, text) in [("post", &e.post), ("dm", &e.dm), ("email", &e.email)] {
                c.text(&format!("examples[{i}].{name}"), text, 0, LONG);
            }
            if e.post.trim().is_empty() && e.dm.trim().is_empty() && e.email.trim().is_empty() {
                c.push(
                    format!("examples[{i}]"),
                    "must have at least one of post, dm or email",
                );
            }
        }
        if let Some(brand) = &self.brand {
            for (name, value) in [
                ("brand.primary_color", &brand.primary_color),
                ("brand.accent_color", &brand.accent_color),
            ] {
                if value.as_deref().is_some_and(|v| !is_hex_color(v)) {
                    c.push(name, "must be a colour written as #RRGGBB");
                }
            }
        }
        c.finish()
    }

    /// The system prompt the agents use: the override when one is set, otherwise one generated
    /// deterministically from the fields, so the same cartridge always yields the same prompt.
    pub fn effective_system_prompt(&self) -> String {
        match &self.system_prompt {
            Some(p) => p.clone(),
            None => self.generated_system_prompt(),
        }
    }

    /// The prompt generated from the persona, style and knowledge fields.
    pub fn generated_system_prompt(&self) -> String {
        let p = &self.persona;
        let s = &self.writing_style;
        let k = &self.industry_knowledge;
        let mut out = format!("You write as {}, a {}", self.name, p.role);
        if !p.expertise.is_empty() {
            out.push_str(&format!(" with expertise in {}", p.expertise.join(", ")));
        }
        out.push_str(&format!(", for {}.\n", p.target_audience));
        let tone = match s.tone {
            Tone::Professional => "professional",
            Tone::Casual => "casual",
            Tone::Authoritative => "authoritative",
        };
        let sentences = match s.sentence_structure {
            SentenceStructure::Short => "short",
            SentenceStructure::Medium => "medium-length",
            SentenceStructure::Long => "long, flowing",
        };
        out.push_str(&format!(
            "Tone: {tone}. Vocabulary level {} of 10. Use {sentences} sentences.\n",
            s.vocabulary_level
        ));
        if !s.storytelling_approach.trim().is_empty() {
            out.push_str(&format!(
                "Storytelling: {}.\n",
                s.storytelling_approach.trim()
            ));
        }
        out.push_str(&format!("Niche: {}.\n", k.niche));
        for (label, items) in [
            ("Key topics", &k.key_topics),
            ("Audience pain points", &k.common_pain_points),
            ("Frameworks you teach", &k.solution_frameworks),
        ] {
            if !items.is_empty() {
                out.push_str(&format!("{label}: {}.\n", items.join("; ")));
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A valid cartridge for tests.
    pub(crate) fn sample() -> CartridgeSpec {
        CartridgeSpec {
            name: "Dana Coaching".into(),
            persona: Persona {
                role: "Executive Coach".into(),
                expertise: vec!["leadership".into()],
                target_audience: "first-time managers".into(),
            },
            writing_style: WritingStyle {
                tone: Tone::Casual,
                vocabulary_level: 5,
                sentence_structure: SentenceStructure::Short,
                storytelling_approach: "client anecdotes".into(),
            },
            industry_knowledge: IndustryKnowledge {
                niche: "tech leadership".into(),
                key_topics: vec!["1:1s".into()],
                common_pain_points: vec!["imposter syndrome".into()],
                solution_frameworks: vec![],
            },
            tools_enabled: vec!["apollo".into()],
            system_prompt: None,
            examples: vec![Example {
                post: "Hello".into(),
                dm: String::new(),
                email: String::new(),
            }],
            brand: None,
        }
    }

    #[test]
    fn brand_colours_are_checked_by_field() {
        let mut c = sample();
        c.brand = Some(Brand {
            primary_color: Some("#0a1B2c".into()),
            accent_color: Some("red".into()),
            logo_file_id: None,
        });
        let errors = c.validate().unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["brand.accent_color"]);
        for bad in ["#12345", "#1234567", "123456", "#12345g"] {
            assert!(!is_hex_color(bad), "{bad}");
        }
    }

    #[test]
    fn sample_is_valid() {
        sample().validate().unwrap();
    }

    #[test]
    fn vocabulary_level_bounds() {
        for (level, ok) in [(0, false), (1, true), (10, true), (11, false)] {
            let mut c = sample();
            c.writing_style.vocabulary_level = level;
            assert_eq!(c.validate().is_ok(), ok, "level {level}");
        }
    }

    #[test]
    fn errors_name_nested_fields() {
        let mut c = sample();
        c.persona.role = String::new();
        c.examples.push(Example {
            post: String::new(),
            dm: String::new(),
            email: String::new(),
        });
        let fields: Vec<_> = c
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["persona.role", "examples[1]"]);
    }

    #[test]
    fn prompt_is_generated_deterministically_and_overridable() {
        let mut c = sample();
        let a = c.effective_system_prompt();
        assert_eq!(a, c.effective_system_prompt());
        assert!(a.contains("Executive Coach") && a.contains("Vocabulary level 5"));
        c.system_prompt = Some("Custom".into());
        assert_eq!(c.effective_system_prompt(), "Custom");
    }

    #[test]
    fn tools_enabled_accepts_declared_servers_and_names_bad_ones() {
        let mut c = sample();
        c.tools_enabled = vec!["apollo".into(), "mcp:crm".into()];
        c.validate().unwrap();
        c.tools_enabled = vec![
            "mcp+stdio:/usr/local/bin/server".into(),
            "mcp+http://127.0.0.1:9000/mcp".into(),
            "no spaces".into(),
            "x".repeat(65),
            "mcp:".into(),
        ];
        let fields: Vec<_> = c
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "tools_enabled[0]",
                "tools_enabled[1]",
                "tools_enabled[2]",
                "tools_enabled[3]",
                "tools_enabled[4]"
            ]
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let mut v = serde_json::to_value(sample()).unwrap();
        v["persona"]["shoe_size"] = 42.into();
        assert!(serde_json::from_value::<CartridgeSpec>(v).is_err());
    }
}
