//! Text folded for matching: lower case, accents removed. The trigger matcher reads comments
//! through [`fold`], and lead search stores and queries text folded the same way, so "José
//! Müller" is found by "jose muller" and a comment "Guía" matches the trigger GUIA alike.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` in lower case with its accents (combining marks after canonical decomposition)
/// removed: "JOSÉ" and "José" both become "jose". Lower-casing comes first, so letters whose
/// lower case carries a mark ("İ") lose it too.
pub fn fold(text: &str) -> String {
    let lower: String = text.chars().flat_map(char::to_lowercase).collect();
    lower.nfd().filter(|c| !is_combining_mark(*c)).collect()
}

/// `text` folded, with each run of whitespace made one space and the ends trimmed, so a
/// search term and the text it is looked for in agree on spacing.
fn folded_words(text: &str) -> String {
    fold(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The one text a lead is searched by: each of its fields (name, email, company, title,
/// headline, in any fixed order) folded, one per line. A term never holds a line break (see
/// [`search_term`]), so a match never spans two fields.
pub fn lead_search_text(fields: &[Option<&str>]) -> String {
    fields
        .iter()
        .flatten()
        .map(|f| folded_words(f))
        .filter(|f| !f.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A search term folded as [`lead_search_text`] folds lead fields (line breaks become
/// spaces); `None` when nothing is left to look for.
pub fn search_term(term: &str) -> Option<String> {
    Some(folded_words(term)).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(fold("José Müller"), "jose muller");
        assert_eq!(fold("JOSÉ"), "jose");
        assert_eq!(fold("Ångström ÇA İstanbul"), "angstrom ca istanbul");
        assert_eq!(fold("ß and ø stay"), "ß and ø stay");
    }

    #[test]
    fn lead_text_is_one_line_per_present_field() {
        let text = lead_search_text(&[
            Some("José  Müller"),
            Some("Jose@Example.COM"),
            None,
            Some("  "),
            Some("Directeur\tGénéral"),
        ]);
        assert_eq!(text, "jose muller\njose@example.com\ndirecteur general");
    }

    #[test]
    fn terms_fold_like_lead_text_and_empty_terms_are_none() {
        assert_eq!(search_term("  MÜLL ").as_deref(), Some("mull"));
        assert_eq!(search_term("jose\nmuller").as_deref(), Some("jose muller"));
        assert_eq!(search_term(" \u{301} "), None);
        assert_eq!(search_term(""), None);
    }

    proptest! {
        /// Whatever a field holds, a term cut from it is found in the lead's text.
        #[test]
        fn any_part_of_a_field_is_found(field in "\\PC{1,30}", start in 0usize..30, len in 1usize..30) {
            let chars: Vec<char> = field.chars().collect();
            let start = start.min(chars.len() - 1);
            let end = (start + len).min(chars.len());
            let part: String = chars[start..end].iter().collect();
            let text = lead_search_text(&[Some(&field)]);
            if let Some(term) = search_term(&part) {
                // A part cut inside a run of spaces may start or end with one the text trims
                // or joins; the folded words of the part are what must be found.
                prop_assert!(text.contains(term.trim()), "{term:?} not in {text:?}");
            }
        }

        /// Folding is idempotent, so stored text and terms folded twice still agree.
        #[test]
        fn folding_twice_changes_nothing(text in "\\PC{0,40}") {
            prop_assert_eq!(fold(&fold(&text)), fold(&text));
        }
    }
}
