//! Grounding of generated text: a personalised DM may only say what RevOS was told. Every
//! link, number and capitalised name in the model's text must appear in the sources it was
//! given (the rendered template, the lead's data, the cartridge); whatever does not is
//! reported, and the caller sends the template rather than a message that invents a link, a
//! statistic, a company or a person.
//!
//! The check is a heuristic on purpose: links (`http…`, `www.…`, e-mail addresses) must appear
//! verbatim; numbers are compared with their currency sign and percent mark, ignoring
//! thousands separators; a capitalised word that does not start a sentence counts as a name
//! and must appear (in any case) in the sources. Words that are capitalised in ordinary
//! English without naming anyone (`I`, week days, months, `LinkedIn`) always pass.

use std::collections::HashSet;

/// Capitalised words that name no person or company the model could have invented.
const ALWAYS_ALLOWED: &[&str] = &[
    "i",
    "i'm",
    "i'll",
    "i've",
    "i'd",
    "linkedin",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// What a text says that its sources do not, by kind, in the order it says it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ungrounded {
    /// Links and e-mail addresses.
    pub links: Vec<String>,
    /// Numbers, with their currency sign or percent mark.
    pub numbers: Vec<String>,
    /// Capitalised words (people, companies, products) not at the start of a sentence.
    pub names: Vec<String>,
}

impl Ungrounded {
    /// True when everything in the text came from the sources.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty() && self.numbers.is_empty() && self.names.is_empty()
    }

    /// Everything not grounded, links first, for the record of why a DM was not personalised.
    pub fn all(&self) -> Vec<String> {
        self.links
            .iter()
            .chain(&self.numbers)
            .chain(&self.names)
            .cloned()
            .collect()
    }
}

/// What `text` says that none of `sources` does (see the module's rules).
pub fn ungrounded(text: &str, sources: &[&str]) -> Ungrounded {
    let known = Facts::of(sources);
    let said = Facts::in_order(text);
    let mut out = Ungrounded::default();
    for link in said.links {
        if !sources.iter().any(|s| s.contains(link.as_str())) && !out.links.contains(&link) {
            out.links.push(link);
        }
    }
    for number in said.numbers {
        if !known.numbers.contains(&number) && !out.numbers.contains(&number) {
            out.numbers.push(number);
        }
    }
    for (name, sentence_start) in said.words {
        let lower = name.to_lowercase();
        let capitalised = name.chars().next().is_some_and(char::is_uppercase);
        if capitalised
            && !sentence_start
            && !ALWAYS_ALLOWED.contains(&lower.as_str())
            && !known.words.contains(&lower)
            && !out.names.contains(&name)
        {
            out.names.push(name);
        }
    }
    out
}

/// The links, numbers and words of a text.
#[derive(Default)]
struct Facts {
    links: Vec<String>,
    numbers: Vec<String>,
    /// Each word, with whether it starts a sentence.
    words: Vec<(String, bool)>,
}

/// The facts of the sources, as sets to look things up in.
struct Known {
    numbers: HashSet<String>,
    words: HashSet<String>,
}

impl Facts {
    fn of(sources: &[&str]) -> Known {
        let mut known = Known {
            numbers: HashSet::new(),
            words: HashSet::new(),
        };
        for source in sources {
            let facts = Facts::in_order(source);
            for n in facts.numbers {
                // "40%" in a source also grounds a bare "40", not the other way round.
                let bare = n
                    .trim_start_matches(is_currency)
                    .trim_end_matches('%')
                    .to_owned();
                known.numbers.insert(bare);
                known.numbers.insert(n);
            }
            for (w, _) in facts.words {
                known.words.insert(w.to_lowercase());
            }
            // A source's link grounds the words it spells ("acme" in acme.io).
            for link in facts.links {
                for w in link.split(|c: char| !c.is_alphanumeric()) {
                    known.words.insert(w.to_lowercase());
                }
            }
        }
        known
    }

    fn in_order(text: &str) -> Facts {
        let mut facts = Facts::default();
        for line in text.lines() {
            let mut sentence_start = true;
            for token in line.split_whitespace() {
                let bare = token.trim_matches(|c: char| {
                    matches!(
                        c,
                        '(' | ')' | '[' | ']' | '{' | '}' | '<' | '>' | '"' | '\'' | ',' | ';'
                    ) || matches!(c, '.' | ':' | '!' | '?' | '“' | '”' | '‘' | '’')
                });
                if is_link(bare) {
                    facts.links.push(bare.to_owned());
                } else {
                    scan(token, sentence_start, &mut facts);
                }
                sentence_start = token.ends_with(['.', '!', '?'])
                    || token.ends_with(".\"")
                    || token.ends_with("!\"")
                    || token.ends_with("?\"");
            }
        }
        facts
    }
}

fn is_link(token: &str) -> bool {
    let lower = token.to_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("www.")
        || (token.contains('@') && token.contains('.'))
}

fn is_currency(c: char) -> bool {
    matches!(c, '$' | '€' | '£' | '¥' | '₹')
}

/// Adds the numbers and words of one token; only its first word can start a sentence.
fn scan(token: &str, sentence_start: bool, facts: &mut Facts) {
    let chars: Vec<char> = token.chars().collect();
    let mut first_word = sentence_start;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit()
            || (is_currency(c) && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // Digits glued after letters ("Q3", "B2B") were read with their word below.
            let start = i;
            if is_currency(c) {
                i += 1;
            }
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(chars[i], ',' | '.')
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            if chars.get(i) == Some(&'%') {
                i += 1;
            }
            let number: String = chars[start..i].iter().filter(|c| **c != ',').collect();
            facts.numbers.push(number);
        } else if c.is_alphabetic() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || (matches!(chars[i], '\'' | '’' | '-' | '&')
                        && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())))
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let word = word
                .strip_suffix("'s")
                .or_else(|| word.strip_suffix("’s"))
                .unwrap_or(&word)
                .to_owned();
            facts.words.push((word, first_word));
            first_word = false;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "Hi Ana! Here is The Playbook: https://acme.io/p";
    const LEAD: &str = "Ana Lopez — Founder @ Globex — Globex";
    const CARTRIDGE: &str = "You are Dana, who runs Acme. Acme helps 40% more founders \
        reach $1,000 in MRR.";

    fn check(text: &str) -> Ungrounded {
        ungrounded(text, &[TEMPLATE, LEAD, CARTRIDGE])
    }

    #[test]
    fn a_dm_built_from_its_sources_is_grounded() {
        let text = "Ana, thanks for the comment! Here is The Playbook: https://acme.io/p. \
            I wrote it at Acme for founders like you at Globex; on Monday I'll share more.";
        assert_eq!(check(text), Ungrounded::default());
        assert!(check(text).is_empty());
    }

    #[test]
    fn links_must_appear_verbatim() {
        let u = check(
            "Here it is: https://acme.io/p. Also see https://evil.example/x, and www.other.io!",
        );
        assert_eq!(u.links, ["https://evil.example/x", "www.other.io"]);
        let u = check("Write to dana@acme.io (https://acme.io/p)");
        assert_eq!(u.links, ["dana@acme.io"], "an invented address is a link");
        assert!(check("Here: https://acme.io/p").links.is_empty());
    }

    #[test]
    fn numbers_keep_their_percent_and_currency() {
        assert!(check("We help 40% more founders").numbers.is_empty());
        assert!(check("Reach $1,000 in MRR").numbers.is_empty());
        assert!(
            check("Reach $1000 in MRR").numbers.is_empty(),
            "separators ignored"
        );
        assert!(
            check("It has 40 pages").numbers.is_empty(),
            "40% grounds 40"
        );
        assert_eq!(check("We help 75% more founders").numbers, ["75%"]);
        assert_eq!(
            check("It costs €1,000 and saves 12 hours").numbers,
            ["€1000", "12"]
        );
        assert_eq!(check("Reach $1,000.50").numbers, ["$1000.50"]);
        let u = check("Grew 3.5% in Q3 with B2B");
        assert_eq!(u.numbers, ["3.5%"]);
        assert_eq!(
            u.names,
            ["Q3", "B2B"],
            "digits in a word belong to the word"
        );
        assert_eq!(check("Only 999 seats").numbers, ["999"]);
    }

    #[test]
    fn capitalised_words_inside_a_sentence_are_names() {
        assert_eq!(
            check("Loved your comment, Ana. Bob at Initech loved it too.").names,
            ["Initech"],
            "Bob starts a sentence; Initech does not"
        );
        assert_eq!(
            check("Hi Ana, my friend Maria Garcia at Hooli uses The Playbook.").names,
            ["Maria", "Garcia", "Hooli"]
        );
        assert!(
            check("Hi ana, globex and ACME folks love it.")
                .names
                .is_empty()
        );
        assert!(
            check("Thanks Ana's team at Globex!").names.is_empty(),
            "possessive"
        );
        assert!(
            check("Great to meet you.\nCheers from LinkedIn, I hope January is good")
                .names
                .is_empty()
        );
        assert_eq!(
            check("New line:\nZed here, Quux").names,
            ["Quux"],
            "a new line starts a sentence"
        );
    }

    #[test]
    fn everything_is_listed_once_links_first() {
        let u = check("See www.x.io and www.x.io with Zed, Zed and 7 or 7.");
        assert_eq!(u.all(), ["www.x.io", "7", "Zed"]);
    }
}
