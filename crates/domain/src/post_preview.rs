//! How a post looks in a LinkedIn feed before the reader clicks "…see more": the part shown
//! above the fold, and its length against LinkedIn's limit. The pages (a post's page, the
//! calendar's card detail) and the calendar API show the same preview, so the rule lives here.
//!
//! The rule (one, approximating LinkedIn's, which folds after about 210 characters or three
//! lines): the text shown is the text up to the end of its third line, cut further at
//! [`FOLD_CHARS`] characters if those lines are longer; whatever remains is behind "…see more".
//! Trailing blank space before the fold is not shown. Characters are Unicode scalar values,
//! as [`crate::post::MAX_BODY_CHARS`] counts them.

use crate::post::MAX_BODY_CHARS;
use serde::Serialize;

/// At most this many characters show above the fold.
pub const FOLD_CHARS: usize = 210;

/// At most this many lines show above the fold.
pub const FOLD_LINES: usize = 3;

/// A post's feed preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostPreview {
    /// The text above the fold.
    pub shown: String,
    /// The text behind "…see more" (empty when nothing is folded).
    pub folded: String,
    /// Whether the reader has to click "…see more" to read it all.
    pub has_more: bool,
    /// Its length in characters.
    pub chars: usize,
    /// LinkedIn's limit, [`MAX_BODY_CHARS`].
    pub limit: usize,
    /// Whether it is longer than LinkedIn accepts.
    pub over_limit: bool,
}

/// The preview of `body` under the fold rule of this module.
pub fn preview(body: &str) -> PostPreview {
    let chars = body.chars().count();
    let cut = fold_at(body);
    let (shown, folded) = body.split_at(cut);
    let has_more = !folded.trim().is_empty();
    let shown = if has_more { shown.trim_end() } else { body };
    PostPreview {
        shown: shown.to_owned(),
        folded: if has_more {
            folded.to_owned()
        } else {
            String::new()
        },
        has_more,
        chars,
        limit: MAX_BODY_CHARS,
        over_limit: chars > MAX_BODY_CHARS,
    }
}

/// The byte index where the fold falls: the end of the third line or the [`FOLD_CHARS`]th
/// character, whichever comes first (the text's end when it has neither).
fn fold_at(body: &str) -> usize {
    let mut lines = 0;
    for (n, (i, c)) in body.char_indices().enumerate() {
        if n == FOLD_CHARS {
            return i;
        }
        if c == '\n' {
            lines += 1;
            if lines == FOLD_LINES {
                return i;
            }
        }
    }
    body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_post_shows_whole() {
        let p = preview("Hello\nworld");
        assert_eq!(p.shown, "Hello\nworld");
        assert!(!p.has_more);
        assert_eq!(p.folded, "");
        assert_eq!(p.chars, 11);
        assert!(!p.over_limit);
    }

    #[test]
    fn the_fourth_line_is_folded() {
        let p = preview("one\ntwo\nthree\nfour\nfive");
        assert_eq!(p.shown, "one\ntwo\nthree");
        assert_eq!(p.folded, "\nfour\nfive");
        assert!(p.has_more);
    }

    #[test]
    fn three_lines_and_blank_space_after_them_are_not_folded() {
        let p = preview("one\ntwo\nthree\n  \n");
        assert!(!p.has_more, "{p:?}");
        assert_eq!(p.shown, "one\ntwo\nthree\n  \n");
    }

    #[test]
    fn a_long_line_is_cut_at_210_characters() {
        let body = "é".repeat(FOLD_CHARS + 5);
        let p = preview(&body);
        assert_eq!(p.shown.chars().count(), FOLD_CHARS);
        assert_eq!(p.folded.chars().count(), 5);
        assert!(p.has_more);
        assert_eq!(p.chars, FOLD_CHARS + 5);
        let exact = preview(&"a".repeat(FOLD_CHARS));
        assert!(!exact.has_more);
    }

    #[test]
    fn whichever_comes_first_wins() {
        // Two short lines, then a long third one: cut inside the third line at 210.
        let body = format!("a\nb\n{}", "x".repeat(300));
        let p = preview(&body);
        assert_eq!(p.shown.chars().count(), FOLD_CHARS);
        assert!(p.has_more);
    }

    #[test]
    fn the_count_is_flagged_over_the_limit() {
        let p = preview(&"x".repeat(MAX_BODY_CHARS + 1));
        assert!(p.over_limit);
        assert_eq!(p.limit, MAX_BODY_CHARS);
        assert!(!preview(&"x".repeat(MAX_BODY_CHARS)).over_limit);
    }

    #[test]
    fn shown_and_folded_are_the_whole_text_modulo_trailing_space() {
        let body = "one  \ntwo\nthree   \nfour";
        let p = preview(body);
        assert!(body.starts_with(&p.shown));
        assert!(body.ends_with(&p.folded));
        assert_eq!(p.shown, "one  \ntwo\nthree");
    }
}
