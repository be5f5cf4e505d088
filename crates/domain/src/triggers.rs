//! Reading comments and replies: does a comment contain a campaign's trigger word, does a
//! reply ask to stop, and which email address did someone write.
//!
//! Matching is on whole words, case- and accent-insensitive ("Guía" matches "GUIA"), and
//! tolerates one typo (a letter missing, added, changed or two swapped) in trigger words of
//! five letters or more: "gude" matches GUIDE, but "leadership" never matches LEAD.

use crate::Email;
use crate::search_text::fold;

/// Trigger words and phrases shorter than this must match exactly.
const TYPO_MIN_LEN: usize = 5;

/// Lower-cased words of `text` with accents removed ([`fold`], the folding lead search uses
/// too), split on anything that is not a letter or digit.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether two words are at most one edit apart (insertion, deletion, substitution, or a swap
/// of two neighbouring letters).
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    if a == b {
        return true;
    }
    match a.len().abs_diff(b.len()) {
        0 => {
            let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match diffs.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => {
            let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
            let first_diff = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[first_diff..] == long[first_diff + 1..]
        }
        _ => false,
    }
}

fn word_matches(word: &str, trigger: &str) -> bool {
    if word == trigger {
        return true;
    }
    let t: Vec<char> = trigger.chars().collect();
    if t.len() < TYPO_MIN_LEN {
        return false;
    }
    let w: Vec<char> = word.chars().collect();
    within_one_edit(&w, &t)
}

/// The triggers (each a word or a phrase of words) that `comment` contains, in the order
/// given. An empty trigger list means every comment qualifies, and returns an empty list.
pub fn matched_triggers<'a>(comment: &str, triggers: &'a [String]) -> Vec<&'a str> {
    let words = words(comment);
    triggers
        .iter()
        .filter(|t| {
            let phrase = self::words(t);
            !phrase.is_empty()
                && words
                    .windows(phrase.len())
                    .any(|w| w.iter().zip(&phrase).all(|(w, p)| word_matches(w, p)))
        })
        .map(String::as_str)
        .collect()
}

/// Whether a commenter qualifies as a lead: no triggers configured, or at least one matched.
pub fn qualifies(comment: &str, triggers: &[String]) -> bool {
    triggers.is_empty() || !matched_triggers(comment, triggers).is_empty()
}

/// Phrases that mean "do not contact me again" in a reply.
const OPT_OUTS: [&str; 10] = [
    "stop",
    "unsubscribe",
    "not interested",
    "remove me",
    "no thanks",
    "no thank you",
    "dont contact me",
    "do not contact me",
    "leave me alone",
    "opt out",
];

/// Whether a reply asks not to be contacted again (whole words, no typo tolerance, so
/// "stopped by" or "nonstop" do not count).
pub fn is_opt_out(reply: &str) -> bool {
    let words = words(&reply.replace(['\'', '’'], ""));
    OPT_OUTS.iter().any(|phrase| {
        let p = self::words(phrase);
        words.windows(p.len()).any(|w| w == p.as_slice())
    })
}

/// The first plausible email address written in `text`, normalised.
pub fn find_email(text: &str) -> Option<Email> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | ';' | '<' | '>' | '(' | ')' | '"' | '\'' | '[' | ']'
            )
    })
    .filter(|t| t.contains('@'))
    .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
    .find_map(|t| Email::parse("email", t).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn whole_words_case_and_accent_insensitive() {
        let guide = t(&["GUIDE"]);
        assert!(qualifies("Guide please!", &guide));
        assert!(qualifies("I'd love the guide 🙏", &guide));
        assert!(qualifies("gúíde", &guide));
        assert!(
            !qualifies("guidelines are great", &guide),
            "one extra word part is not the word"
        );
        assert!(qualifies("Guía", &t(&["GUIA"])));
    }

    #[test]
    fn one_typo_in_long_words_only() {
        let guide = t(&["GUIDE"]);
        assert!(qualifies("GUDE", &guide), "deletion");
        assert!(qualifies("guidde", &guide), "insertion");
        assert!(qualifies("gyide", &guide), "substitution");
        assert!(qualifies("giude", &guide), "swap");
        assert!(!qualifies("gde", &guide), "two deletions");
        let lead = t(&["LEAD"]);
        assert!(qualifies("lead", &lead));
        assert!(!qualifies("leadership", &lead));
        assert!(
            !qualifies("lean", &lead),
            "no typo tolerance under five letters"
        );
        assert!(!qualifies("leads", &lead));
    }

    #[test]
    fn phrases_and_several_triggers() {
        let triggers = t(&["send it", "GUIDE"]);
        assert_eq!(
            matched_triggers("Please SEND it over, guide too", &triggers),
            ["send it", "GUIDE"]
        );
        assert!(!qualifies("send me it", &t(&["send it"])));
        assert!(
            qualifies("anything at all", &[]),
            "no triggers: every commenter"
        );
    }

    #[test]
    fn opt_outs() {
        for yes in [
            "STOP",
            "Please unsubscribe me.",
            "Not interested, thanks",
            "don't contact me",
            "Remove me",
        ] {
            assert!(is_opt_out(yes), "{yes}");
        }
        for no in [
            "I stopped by your talk",
            "nonstop energy!",
            "Very interested!",
            "thanks!",
        ] {
            assert!(!is_opt_out(no), "{no}");
        }
    }

    #[test]
    fn emails_in_text() {
        assert_eq!(
            find_email("GUIDE pls, send to Ana.Lopez@Example.com!")
                .unwrap()
                .as_str(),
            "ana.lopez@example.com"
        );
        assert_eq!(
            find_email("mail me (bob@corp.io)").unwrap().as_str(),
            "bob@corp.io"
        );
        assert!(find_email("@ana on twitter").is_none());
        assert!(find_email("no email here").is_none());
    }

    proptest! {
        #[test]
        fn never_panics_and_exact_words_always_match(text in ".{0,200}", word in "[a-zA-Z]{1,12}") {
            let _ = matched_triggers(&text, std::slice::from_ref(&word));
            let _ = is_opt_out(&text);
            let _ = find_email(&text);
            let comment = format!("{text} {word} ");
            prop_assert!(qualifies(&comment, &[word]));
        }
    }
}
