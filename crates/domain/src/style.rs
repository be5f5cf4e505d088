//! Style statistics learned from a client's approved text: how long their sentences and texts
//! are, how often they use emoji, hashtags and line breaks, how hard they are to read, and how
//! they like to open. The offline writer aims at these numbers, and [`StyleStats::distance`]
//! measures how far one body of text is from another's style.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Measured style of a set of texts. Averages are per text unless named otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StyleStats {
    /// How many texts were measured.
    pub samples: usize,
    /// Words per sentence, over all sentences.
    pub avg_sentence_words: f64,
    /// Words per text.
    pub words_per_text: f64,
    /// Emoji per text.
    pub emoji_per_text: f64,
    /// Hashtags per text.
    pub hashtags_per_text: f64,
    /// Line breaks per text.
    pub line_breaks_per_text: f64,
    /// Flesch-Kincaid grade level (syllables estimated from vowel groups).
    pub reading_grade: f64,
    /// Openings (a text's first two words, as written) used by at least two texts, most
    /// common first, at most three.
    pub favourite_openings: Vec<String>,
}

/// True for the characters counted as emoji (pictographs, symbols and dingbats).
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55 | 0x2934 | 0x2935 | 0x3030 | 0x303D)
}

fn is_hashtag(token: &str) -> bool {
    token
        .strip_prefix('#')
        .is_some_and(|rest| rest.chars().next().is_some_and(char::is_alphanumeric))
}

/// A token counts as a word when it has a letter or digit and is not a hashtag.
fn is_word(token: &str) -> bool {
    !is_hashtag(token) && token.chars().any(char::is_alphanumeric)
}

/// Syllables of an English word, estimated: vowel groups, less a silent final `e`, at least 1.
fn syllables(word: &str) -> usize {
    let w: Vec<char> = word
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    if w.is_empty() {
        return 1;
    }
    let vowel = |c: char| "aeiouy".contains(c);
    let mut groups = 0;
    let mut prev = false;
    for &c in &w {
        let v = vowel(c);
        if v && !prev {
            groups += 1;
        }
        prev = v;
    }
    if w.len() > 2 && w[w.len() - 1] == 'e' && !vowel(w[w.len() - 2]) && groups > 1 {
        groups -= 1;
    }
    groups.max(1)
}

/// The sentences of a text: split at `.`, `!`, `?` and line breaks, keeping those with words.
fn sentences(text: &str) -> Vec<Vec<&str>> {
    text.split(['.', '!', '?', '\n'])
        .map(|s| {
            s.split_whitespace()
                .filter(|t| is_word(t))
                .collect::<Vec<_>>()
        })
        .filter(|words| !words.is_empty())
        .collect()
}

/// The first two words of a text as written, and their comparison key.
fn opening(text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|t| is_word(t))
        .take(2)
        .collect();
    if words.len() < 2 {
        return None;
    }
    Some((words.join(" "), opening_key(&words.join(" "))))
}

/// Lower-cased words without surrounding punctuation, so "Quick truth:" matches "quick truth".
fn opening_key(opening: &str) -> String {
    opening
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl StyleStats {
    /// Measures `texts` (blank ones are skipped). With no texts every figure is 0.
    pub fn of<S: AsRef<str>>(texts: &[S]) -> Self {
        let texts: Vec<&str> = texts
            .iter()
            .map(AsRef::as_ref)
            .filter(|t| !t.trim().is_empty())
            .collect();
        let n = texts.len();
        let (mut words, mut sentence_count, mut syllable_count) = (0usize, 0usize, 0usize);
        let (mut emoji, mut hashtags, mut breaks) = (0usize, 0usize, 0usize);
        let mut openings: Vec<(String, String, usize)> = Vec::new();
        for text in &texts {
            for s in sentences(text) {
                sentence_count += 1;
                words += s.len();
                syllable_count += s.iter().map(|w| syllables(w)).sum::<usize>();
            }
            emoji += text.chars().filter(|c| is_emoji(*c)).count();
            hashtags += text.split_whitespace().filter(|t| is_hashtag(t)).count();
            breaks += text.trim().matches('\n').count();
            if let Some((shown, key)) = opening(text) {
                match openings.iter_mut().find(|(_, k, _)| *k == key) {
                    Some(o) => o.2 += 1,
                    None => openings.push((shown, key, 1)),
                }
            }
        }
        // Stable sort: among equal counts, the first seen comes first.
        openings.sort_by_key(|o| std::cmp::Reverse(o.2));
        let per_text = |x: usize| if n == 0 { 0.0 } else { x as f64 / n as f64 };
        let (avg_sentence_words, reading_grade) = if sentence_count == 0 || words == 0 {
            (0.0, 0.0)
        } else {
            let wps = words as f64 / sentence_count as f64;
            let spw = syllable_count as f64 / words as f64;
            (wps, 0.39 * wps + 11.8 * spw - 15.59)
        };
        Self {
            samples: n,
            avg_sentence_words,
            words_per_text: per_text(words),
            emoji_per_text: per_text(emoji),
            hashtags_per_text: per_text(hashtags),
            line_breaks_per_text: per_text(breaks),
            reading_grade,
            favourite_openings: openings
                .into_iter()
                .filter(|o| o.2 >= 2)
                .take(3)
                .map(|o| o.0)
                .collect(),
        }
    }

    /// How far apart two styles are: the sum of the relative differences of every figure
    /// (`|a - b| / max(|a|, |b|, 1)`, so each lies in 0..=1 and no unit dominates), plus the
    /// share of favourite openings the two do not have in common. 0 for identical styles.
    pub fn distance(&self, other: &Self) -> f64 {
        let rel = |a: f64, b: f64| (a - b).abs() / a.abs().max(b.abs()).max(1.0);
        let figures = rel(self.avg_sentence_words, other.avg_sentence_words)
            + rel(self.words_per_text, other.words_per_text)
            + rel(self.emoji_per_text, other.emoji_per_text)
            + rel(self.hashtags_per_text, other.hashtags_per_text)
            + rel(self.line_breaks_per_text, other.line_breaks_per_text)
            + rel(self.reading_grade, other.reading_grade);
        let keys = |s: &Self| -> Vec<String> {
            s.favourite_openings
                .iter()
                .map(|o| opening_key(o))
                .collect()
        };
        let (a, b) = (keys(self), keys(other));
        let union = a
            .iter()
            .chain(&b)
            .collect::<std::collections::HashSet<_>>()
            .len();
        let shared = a.iter().filter(|k| b.contains(k)).count();
        let openings = if union == 0 {
            0.0
        } else {
            1.0 - shared as f64 / union as f64
        };
        figures + openings
    }

    /// This style pulled toward `prior` as if `prior` had been measured on `prior_weight`
    /// texts: with few samples the prior dominates, with many the measurement does. Openings
    /// are the measured ones (a prior has none to offer).
    pub fn blended_with(&self, prior: &Self, prior_weight: f64) -> Self {
        let n = self.samples as f64;
        let w = prior_weight.max(0.0);
        if n + w == 0.0 {
            return prior.clone();
        }
        let mix = |mine: f64, theirs: f64| (mine * n + theirs * w) / (n + w);
        Self {
            samples: self.samples,
            avg_sentence_words: mix(self.avg_sentence_words, prior.avg_sentence_words),
            words_per_text: mix(self.words_per_text, prior.words_per_text),
            emoji_per_text: mix(self.emoji_per_text, prior.emoji_per_text),
            hashtags_per_text: mix(self.hashtags_per_text, prior.hashtags_per_text),
            line_breaks_per_text: mix(self.line_breaks_per_text, prior.line_breaks_per_text),
            reading_grade: mix(self.reading_grade, prior.reading_grade),
            favourite_openings: self.favourite_openings.clone(),
        }
    }

    /// Hashtags used in `texts`, most frequent first (ties in order of appearance).
    pub fn hashtags_in<S: AsRef<str>>(texts: &[S]) -> Vec<String> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for t in texts {
            for tag in t.as_ref().split_whitespace().filter(|t| is_hashtag(t)) {
                let tag = tag.trim_end_matches(|c: char| !c.is_alphanumeric());
                match index.get(tag) {
                    Some(&i) => counts[i].1 += 1,
                    None => {
                        index.insert(tag.to_owned(), counts.len());
                        counts.push((tag.to_owned(), 1));
                    }
                }
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        counts.into_iter().map(|c| c.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_sentences_emoji_hashtags_breaks_and_openings() {
        let texts = [
            "Quick truth: hiring is hard. Start early! 🚀\n#Hiring #Startups",
            "Quick truth: nobody reads long posts. Keep it short ✅",
        ];
        let s = StyleStats::of(&texts);
        assert_eq!(s.samples, 2);
        // Sentences: "Quick truth: hiring is hard" (5), "Start early" (2), "Quick truth:
        // nobody reads long posts" (6), "Keep it short" (3) = 16 words in 4 sentences.
        assert!((s.avg_sentence_words - 4.0).abs() < 1e-9, "{s:?}");
        assert!((s.words_per_text - 8.0).abs() < 1e-9);
        assert!((s.emoji_per_text - 1.0).abs() < 1e-9);
        assert!((s.hashtags_per_text - 1.0).abs() < 1e-9);
        assert!((s.line_breaks_per_text - 0.5).abs() < 1e-9);
        assert_eq!(s.favourite_openings, ["Quick truth:"]);
    }

    #[test]
    fn reading_grade_rises_with_long_words_and_sentences() {
        let easy = StyleStats::of(&["The cat sat. The dog ran. We had fun."]);
        let hard = StyleStats::of(&[
            "Organisational transformation necessitates comprehensive stakeholder \
             communication, deliberate prioritisation and institutional accountability.",
        ]);
        assert!(
            hard.reading_grade > easy.reading_grade + 10.0,
            "{easy:?} {hard:?}"
        );
        assert_eq!(syllables("make"), 1);
        assert_eq!(syllables("communication"), 5);
    }

    #[test]
    fn distance_is_zero_for_same_style_and_grows_with_difference() {
        let a = StyleStats::of(&["Short one. Another 🚀 #Tag", "Short two. Again ✅ #Tag"]);
        let b = StyleStats::of(&[
            "This is a considerably longer sentence that goes on for a while without any \
             emoji or hashtags at all, as formal writing often does.",
        ]);
        let c = StyleStats::of(&["Short three. More 🔥 #Tag"]);
        assert_eq!(a.distance(&a), 0.0);
        assert!(a.distance(&c) < a.distance(&b));
        assert!((a.distance(&b) - b.distance(&a)).abs() < 1e-12);
    }

    #[test]
    fn openings_need_two_uses_and_empty_input_is_zero() {
        assert!(
            StyleStats::of(&["Hello there friend", "Goodbye now"])
                .favourite_openings
                .is_empty()
        );
        let z = StyleStats::of::<&str>(&[]);
        assert_eq!(z.samples, 0);
        assert_eq!(z.words_per_text, 0.0);
    }

    #[test]
    fn blending_moves_between_prior_and_measurement() {
        let measured = StyleStats::of(&["One two. Three four.", "Five six. Seven eight."]);
        let mut prior = measured.clone();
        prior.avg_sentence_words = 20.0;
        let b = measured.blended_with(&prior, 2.0);
        assert!((b.avg_sentence_words - 11.0).abs() < 1e-9);
        assert_eq!(measured.blended_with(&prior, 0.0), measured);
    }

    #[test]
    fn hashtags_are_ranked_by_use() {
        let tags = StyleStats::hashtags_in(&["#a #b", "#b, #c"]);
        assert_eq!(tags, ["#b", "#a", "#c"]);
    }
}
