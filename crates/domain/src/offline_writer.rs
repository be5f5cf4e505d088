//! Writes a post or a DM without a language model, for offline mode. The text is assembled
//! from clauses built on the cartridge's persona, topics, pain points and frameworks, and
//! shaped to the learned style: the favourite opening, the usual sentence and text length,
//! and the usual number of emoji, hashtags and line breaks. Deterministic: the same inputs
//! and seed give the same text.

use crate::cartridge::{CartridgeSpec, SentenceStructure, Tone};
use crate::memory::ExampleKind;
use crate::style::{StyleStats, is_emoji};

/// What the writer works from.
#[derive(Clone, Copy, Debug)]
pub struct WriterInput<'a> {
    /// The client's voice and knowledge.
    pub spec: &'a CartridgeSpec,
    /// Post or DM.
    pub kind: ExampleKind,
    /// What the text is about.
    pub topic: &'a str,
    /// The most relevant examples, best first: their emoji and hashtags are reused.
    pub examples: &'a [String],
    /// The style to aim at (see [`target_style`]).
    pub style: &'a StyleStats,
    /// Picks among equally good clauses; the same seed gives the same text.
    pub seed: u64,
}

/// How many texts' worth of weight the cartridge's declared style carries against the learned
/// one: with a single example the declaration still dominates, after a handful of approvals
/// the learned style does.
pub const PRIOR_WEIGHT: f64 = 2.0;

/// The style a cartridge declares (sentence structure, tone), before anything is learned.
pub fn declared_style(spec: &CartridgeSpec, kind: ExampleKind) -> StyleStats {
    let sentence = match spec.writing_style.sentence_structure {
        SentenceStructure::Short => 8.0,
        SentenceStructure::Medium => 14.0,
        SentenceStructure::Long => 22.0,
    };
    let sentences = match kind {
        ExampleKind::Post => 6.0,
        ExampleKind::Dm => 3.0,
    };
    let casual = spec.writing_style.tone == Tone::Casual;
    StyleStats {
        samples: 0,
        avg_sentence_words: sentence,
        words_per_text: sentence * sentences,
        emoji_per_text: if casual { 1.0 } else { 0.0 },
        hashtags_per_text: 0.0,
        line_breaks_per_text: if kind == ExampleKind::Post { 2.0 } else { 0.0 },
        reading_grade: f64::from(spec.writing_style.vocabulary_level) + 4.0,
        favourite_openings: Vec::new(),
    }
}

/// The style a draft aims at: the learned style blended with the declared one
/// ([`PRIOR_WEIGHT`]).
pub fn target_style(spec: &CartridgeSpec, kind: ExampleKind, learned: &StyleStats) -> StyleStats {
    learned.blended_with(&declared_style(spec, kind), PRIOR_WEIGHT)
}

/// SplitMix64: a tiny, fixed pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

fn first<'a>(items: &'a [String], fallback: &'a str) -> &'a str {
    items
        .iter()
        .map(String::as_str)
        .find(|s| !s.trim().is_empty())
        .unwrap_or(fallback)
}

/// The clauses a text is built from, each a complete thought without final punctuation.
fn clauses(input: &WriterInput<'_>) -> Vec<String> {
    let spec = input.spec;
    let k = &spec.industry_knowledge;
    let topic = input.topic.trim();
    let audience = spec.persona.target_audience.trim();
    let pain = first(&k.common_pain_points, "wasted effort").to_lowercase();
    let framework = first(&k.solution_frameworks, "a simple checklist");
    let role = spec.persona.role.trim().to_lowercase();
    let mut out = vec![
        format!("{topic} matters"),
        "start small".to_owned(),
        "it compounds".to_owned(),
        "ask better questions".to_owned(),
        format!("fix {topic} first"),
        format!("most {audience} get {topic} wrong"),
        format!("{pain} is usually the first sign"),
        format!("{framework} gives you a simple way in"),
        format!("as a {role} I see this every week"),
        format!("{topic} is a habit and not a one-off project"),
        format!("the teams that win treat {topic} as part of the job"),
        format!("when {pain} shows up the cause is rarely where people look"),
        format!("I walk every client through {framework} before we change anything else"),
        format!(
            "the best {audience} I know review {topic} every week and write down what they learn"
        ),
    ];
    out.extend(match spec.writing_style.tone {
        Tone::Professional => [
            "measure it before you change it",
            "the numbers usually tell the story before anyone says it out loud",
        ],
        Tone::Casual => [
            "honestly it is simpler than it looks",
            "try one small change this week and see what happens with your team",
        ],
        Tone::Authoritative => [
            "this is the rule I teach",
            "do this consistently and the results follow whether or not anyone notices at first",
        ],
    }
    .map(str::to_owned));
    if input.kind == ExampleKind::Dm {
        out.extend([
            format!("would a quick chat about {topic} help"),
            format!("happy to share what worked for other {audience}"),
            "no pressure at all".to_owned(),
        ]);
    }
    for t in k.key_topics.iter().take(3) {
        out.push(format!("{} ties into this too", t.trim()));
    }
    out.retain(|c| !c.trim().is_empty());
    out
}

/// Joins a statement to the sentence so far.
const CONNECTORS: &[&str] = &["and", "because", "which is why"];
/// Clauses that start with one of these are advice (imperatives): joined with "so".
const IMPERATIVES: &[&str] = &["start", "fix", "ask", "measure", "try", "do"];

fn connector_for(clause: &str, rng: &mut Rng) -> &'static str {
    let first = clause.split_whitespace().next().unwrap_or("");
    if IMPERATIVES.contains(&first) {
        "so"
    } else {
        CONNECTORS[rng.below(CONNECTORS.len())]
    }
}
const DEFAULT_EMOJI: &[&str] = &["🚀", "✅", "💡", "👉", "🔥"];

/// One sentence of about `target` words from `pool`, never repeating a used clause while
/// unused ones fit.
fn sentence(pool: &[String], used: &mut Vec<usize>, target: f64, rng: &mut Rng) -> String {
    let pick = |used: &mut Vec<usize>, max_words: usize, rng: &mut Rng| -> Option<usize> {
        let fits: Vec<usize> = (0..pool.len())
            .filter(|i| words(&pool[*i]) <= max_words)
            .collect();
        let fresh: Vec<usize> = fits.iter().copied().filter(|i| !used.contains(i)).collect();
        let choice = if fresh.is_empty() { fits } else { fresh };
        let i = *choice.get(rng.below(choice.len()))?;
        used.push(i);
        Some(i)
    };
    let limit = (target.round() as usize).max(2) + 2;
    let first = pick(used, limit, rng).unwrap_or_else(|| {
        // Nothing short enough: the shortest clause.
        (0..pool.len())
            .min_by_key(|i| words(&pool[*i]))
            .unwrap_or(0)
    });
    let mut out = pool.get(first).cloned().unwrap_or_default();
    while (words(&out) as f64) < target * 0.75 {
        let room = limit.saturating_sub(words(&out) + 1);
        let Some(next) = pick(used, room, rng) else {
            break;
        };
        let connector = connector_for(&pool[next], rng);
        out = format!("{out}, {connector} {}", pool[next]);
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `#CamelCase` of a phrase's letters and digits; `None` when it has none.
fn hashtag(phrase: &str) -> Option<String> {
    let body: String = phrase
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(capitalise)
        .collect();
    (!body.is_empty()).then(|| format!("#{body}"))
}

/// Writes the text. See the module documentation.
pub fn write(input: &WriterInput<'_>) -> String {
    let style = input.style;
    let mut rng = Rng(input.seed ^ 0x5EED_0F0F_F11E);
    let pool = clauses(input);
    let sentence_words = style.avg_sentence_words.clamp(3.0, 40.0);
    let count = (style.words_per_text / sentence_words)
        .round()
        .clamp(1.0, 12.0) as usize;
    let mut used = Vec::new();
    let mut sentences: Vec<String> = (0..count)
        .map(|_| sentence(&pool, &mut used, sentence_words, &mut rng))
        .collect();
    if let Some(opening) = style.favourite_openings.first() {
        sentences[0] = format!("{opening} {}", lower_first(&sentences[0]));
    } else if input.kind == ExampleKind::Dm {
        sentences.insert(0, "Hi {first_name}".to_owned());
    }
    let mut sentences: Vec<String> = sentences
        .into_iter()
        .map(|s| format!("{}.", capitalise(&s)))
        .collect();

    // Emoji: those of the examples first, at the end of sentences.
    let mut emoji: Vec<String> = Vec::new();
    for e in input
        .examples
        .iter()
        .flat_map(|t| t.chars())
        .filter(|c| is_emoji(*c))
    {
        let e = e.to_string();
        if !emoji.contains(&e) {
            emoji.push(e);
        }
    }
    emoji.extend(DEFAULT_EMOJI.iter().map(|e| (*e).to_owned()));
    let emoji_count = style.emoji_per_text.round() as usize;
    for i in 0..emoji_count {
        let at = i % sentences.len();
        let e = &emoji[i % emoji.len()];
        sentences[at].push_str(&format!(" {e}"));
    }

    // Hashtags: those of the examples, then the topic's and the cartridge's.
    let mut tags: Vec<String> = StyleStats::hashtags_in(input.examples);
    let k = &input.spec.industry_knowledge;
    for phrase in std::iter::once(input.topic)
        .chain(k.key_topics.iter().map(String::as_str))
        .chain(std::iter::once(k.niche.as_str()))
    {
        if let Some(t) = hashtag(phrase)
            && !tags.iter().any(|x| x.eq_ignore_ascii_case(&t))
        {
            tags.push(t);
        }
    }
    let tag_count = (style.hashtags_per_text.round() as usize).min(tags.len());
    let tag_line = tags[..tag_count].join(" ");

    // Line breaks between sentences (and before the hashtag line), spread evenly, at most
    // two in a row.
    let mut parts = sentences;
    if !tag_line.is_empty() {
        parts.push(tag_line);
    }
    let gaps = parts.len().saturating_sub(1);
    let breaks = style.line_breaks_per_text.round() as usize;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            let is_tag_line = i == parts.len() - 1 && tag_count > 0;
            let n = (breaks / gaps + usize::from(i - 1 < breaks % gaps)).min(2);
            let n = if is_tag_line { n.max(1) } else { n };
            out.push_str(&if n == 0 {
                " ".to_owned()
            } else {
                "\n".repeat(n)
            });
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cartridge::tests::sample;

    fn style_of(texts: &[&str]) -> StyleStats {
        StyleStats::of(texts)
    }

    fn draft(style: &StyleStats, seed: u64) -> String {
        let spec = sample();
        write(&WriterInput {
            spec: &spec,
            kind: ExampleKind::Post,
            topic: "onboarding",
            examples: &[],
            style,
            seed,
        })
    }

    #[test]
    fn deterministic_for_a_seed() {
        let s = declared_style(&sample(), ExampleKind::Post);
        assert_eq!(draft(&s, 7), draft(&s, 7));
        assert!(draft(&s, 7).to_lowercase().contains("onboarding"));
        assert_ne!(draft(&s, 7), draft(&s, 8));
    }

    #[test]
    fn drafts_follow_the_style_they_aim_at() {
        let punchy = style_of(&[
            "Quick truth: hiring is slow. Fix it. 🚀🔥\n#Hiring #Teams",
            "Quick truth: nobody reads. Be brief. ✅💡\n#Hiring",
            "Quick truth: small wins. Every day. 🚀✅\n#Teams #Hiring",
        ]);
        let mut wordy = declared_style(&sample(), ExampleKind::Post);
        wordy.avg_sentence_words = 22.0;
        wordy.words_per_text = 110.0;
        wordy.emoji_per_text = 0.0;
        let measure = |s: &StyleStats| {
            let texts: Vec<String> = (0..5).map(|seed| draft(s, seed)).collect();
            StyleStats::of(&texts)
        };
        let from_punchy = measure(&punchy);
        let from_wordy = measure(&wordy);
        assert!(from_punchy.distance(&punchy) < from_wordy.distance(&punchy));
        assert!(from_punchy.avg_sentence_words < from_wordy.avg_sentence_words);
        assert!(from_punchy.emoji_per_text >= 1.5, "{from_punchy:?}");
        assert!(from_punchy.hashtags_per_text >= 1.0, "{from_punchy:?}");
        assert_eq!(from_punchy.favourite_openings, ["Quick truth:"]);
        assert!(from_wordy.words_per_text > 60.0, "{from_wordy:?}");
    }

    #[test]
    fn learned_style_outweighs_the_declaration_as_samples_grow() {
        let spec = sample();
        let mut learned = declared_style(&spec, ExampleKind::Post);
        learned.avg_sentence_words = 4.0;
        learned.samples = 1;
        let few = target_style(&spec, ExampleKind::Post, &learned);
        learned.samples = 10;
        let many = target_style(&spec, ExampleKind::Post, &learned);
        assert!(many.avg_sentence_words < few.avg_sentence_words);
    }

    #[test]
    fn dms_greet_and_hashtags_come_from_the_topic() {
        let spec = sample();
        let mut style = declared_style(&spec, ExampleKind::Dm);
        style.hashtags_per_text = 1.0;
        let text = write(&WriterInput {
            spec: &spec,
            kind: ExampleKind::Dm,
            topic: "team rituals",
            examples: &[],
            style: &style,
            seed: 1,
        });
        assert!(text.starts_with("Hi {first_name}."), "{text}");
        assert!(text.ends_with("#TeamRituals"), "{text}");
    }
}
