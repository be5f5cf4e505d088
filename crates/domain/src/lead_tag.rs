//! Lead tags (issue 21, item 4): the workspace's own labels on its leads ("webinar-2026",
//! "warm"), used to filter the list, the export and bulk actions. A tag is stored normalised
//! (trimmed, lower-case) so that "Warm " and "warm" are one tag, and is short, so a lead's
//! tags fit a list row; a lead carries a bounded number of them.

use crate::validation::FieldError;

/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;

/// The most tags one lead carries.
pub const MAX_TAGS_PER_LEAD: usize = 20;

/// A tag as stored: trimmed, lower-case, 1 to [`MAX_TAG_CHARS`] characters, no control
/// characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    /// Normalises `raw` (trims it, lower-cases it) and checks it; the message says what is
    /// wrong in words a person can act on.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let tag = raw.trim().to_lowercase();
        let chars = tag.chars().count();
        if chars == 0 {
            return Err("must not be empty".into());
        }
        if chars > MAX_TAG_CHARS {
            return Err(format!(
                "must be at most {MAX_TAG_CHARS} characters (got {chars})"
            ));
        }
        if tag.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        Ok(Self(tag))
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A lead's whole set of tags from a list as sent: each normalised, duplicates (after
/// normalising) merged, sorted; each bad one reported as `field[i]`, and more than
/// [`MAX_TAGS_PER_LEAD`] distinct tags as `field`.
pub fn parse_tag_set(field: &str, raw: &[String]) -> Result<Vec<Tag>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut tags = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        match Tag::parse(r) {
            Ok(t) => tags.push(t),
            Err(message) => errors.push(FieldError {
                field: format!("{field}[{i}]"),
                message,
            }),
        }
    }
    tags.sort();
    tags.dedup();
    if tags.len() > MAX_TAGS_PER_LEAD {
        errors.push(FieldError {
            field: field.into(),
            message: format!(
                "a lead has at most {MAX_TAGS_PER_LEAD} tags (got {})",
                tags.len()
            ),
        });
    }
    if errors.is_empty() {
        Ok(tags)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_trimmed_and_lower_cased() {
        assert_eq!(Tag::parse("  Warm Lead ").unwrap().as_str(), "warm lead");
        assert_eq!(Tag::parse("ÉTÉ").unwrap().as_str(), "été");
        assert!(Tag::parse("   ").is_err());
        assert!(Tag::parse(&"x".repeat(41)).is_err());
        assert!(Tag::parse(&"é".repeat(40)).is_ok());
        assert!(Tag::parse("a\tb").is_err());
    }

    #[test]
    fn a_set_merges_spellings_and_is_bounded() {
        let raw: Vec<String> = ["Warm", "warm ", "b"].map(String::from).to_vec();
        let set = parse_tag_set("tags", &raw).unwrap();
        assert_eq!(
            set.iter().map(Tag::as_str).collect::<Vec<_>>(),
            ["b", "warm"]
        );
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        let errors = parse_tag_set("tags", &many).unwrap_err();
        assert_eq!(errors[0].field, "tags");
        let bad: Vec<String> = ["ok", ""].map(String::from).to_vec();
        assert_eq!(parse_tag_set("tags", &bad).unwrap_err()[0].field, "tags[1]");
    }
}
