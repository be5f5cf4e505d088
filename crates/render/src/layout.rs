//! Line breaking by the embedded fonts' real glyph advances.

use crate::fonts::Face;
use crate::markdown::Run;

/// Text of one face placed at `x` points from the line's start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    pub(crate) x: f32,
    pub(crate) text: String,
    pub(crate) face: Face,
}

/// One wrapped line.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Line {
    pub(crate) pieces: Vec<Piece>,
}

impl Line {
    #[cfg(test)]
    /// The line's width at `size`.
    pub(crate) fn width(&self, size: f32) -> f32 {
        self.pieces
            .last()
            .map_or(0.0, |piece| piece.x + piece.face.width(&piece.text, size))
    }
}

/// Breaks `runs` into lines no wider than `max_width` at `size` points. Words longer than a line
/// are split between characters.
pub(crate) fn wrap(runs: &[Run], size: f32, max_width: f32) -> Vec<Line> {
    let mut lines = vec![Line::default()];
    let mut cursor = 0.0f32;
    let mut spaced = false;
    for run in runs {
        let mut parts = run.text.split(char::is_whitespace).peekable();
        if run.text.starts_with(char::is_whitespace) {
            spaced = true;
        }
        while let Some(word) = parts.next() {
            if !word.is_empty() {
                place(
                    &mut lines,
                    &mut cursor,
                    word,
                    run.face,
                    spaced,
                    size,
                    max_width,
                );
                spaced = false;
            }
            if parts.peek().is_some() {
                spaced = true;
            }
        }
    }
    if lines.last().is_some_and(|line| line.pieces.is_empty()) && lines.len() > 1 {
        lines.pop();
    }
    lines
}

fn place(
    lines: &mut Vec<Line>,
    cursor: &mut f32,
    word: &str,
    face: Face,
    spaced: bool,
    size: f32,
    max: f32,
) {
    let mut space = if spaced && *cursor > 0.0 {
        face.width(" ", size)
    } else {
        0.0
    };
    let width = face.width(word, size);
    if *cursor > 0.0 && *cursor + space + width > max {
        lines.push(Line::default());
        *cursor = 0.0;
        space = 0.0;
    }
    if width > max {
        // Split an over-long word between characters.
        let mut chunk = String::new();
        let mut chunk_width = 0.0;
        let mut buf = [0u8; 4];
        for c in word.chars() {
            let advance = face.width(c.encode_utf8(&mut buf), size);
            if !chunk.is_empty() && *cursor + chunk_width + advance > max {
                push(lines, cursor, std::mem::take(&mut chunk), face, 0.0, size);
                lines.push(Line::default());
                *cursor = 0.0;
                chunk_width = 0.0;
            }
            chunk.push(c);
            chunk_width += advance;
        }
        push(lines, cursor, chunk, face, space, size);
        return;
    }
    push(lines, cursor, word.to_owned(), face, space, size);
}

fn push(lines: &mut [Line], cursor: &mut f32, word: String, face: Face, space: f32, size: f32) {
    let Some(line) = lines.last_mut() else { return };
    let width = face.width(&word, size);
    match line.pieces.last_mut() {
        Some(last) if last.face == face => {
            if space > 0.0 {
                last.text.push(' ');
            }
            last.text.push_str(&word);
        }
        _ => line.pieces.push(Piece {
            x: *cursor + space,
            text: word,
            face,
        }),
    }
    *cursor += space + width;
}

/// Plain text as one regular run.
pub(crate) fn plain(text: &str, face: Face) -> Vec<Run> {
    vec![Run {
        text: text.to_owned(),
        face,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_and_keep_every_word() {
        let text =
            "The quick brown fox jumps over the lazy dog again and again until the line wraps";
        let lines = wrap(&plain(text, Face::Regular), 12.0, 120.0);
        assert!(lines.len() > 3);
        for line in &lines {
            assert!(line.width(12.0) <= 120.0 + 0.01, "{line:?}");
        }
        let joined: Vec<String> = lines
            .iter()
            .map(|l| {
                l.pieces
                    .iter()
                    .map(|p| p.text.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(joined.join(" "), text);
    }

    #[test]
    fn wide_glyphs_wrap_sooner_than_narrow_ones() {
        let narrow = wrap(&plain(&"ii ".repeat(40), Face::Regular), 12.0, 200.0).len();
        let wide = wrap(&plain(&"WW ".repeat(40), Face::Regular), 12.0, 200.0).len();
        assert!(wide > narrow, "{wide} vs {narrow}");
    }

    #[test]
    fn long_words_are_split() {
        let lines = wrap(&plain(&"x".repeat(500), Face::Bold), 12.0, 100.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.width(12.0) <= 100.0 + 0.01));
    }

    #[test]
    fn styled_runs_keep_their_faces_and_positions() {
        let runs = vec![
            Run {
                text: "plain ".into(),
                face: Face::Regular,
            },
            Run {
                text: "bold".into(),
                face: Face::Bold,
            },
            Run {
                text: ", after".into(),
                face: Face::Regular,
            },
        ];
        let lines = wrap(&runs, 10.0, 1000.0);
        assert_eq!(lines.len(), 1);
        let pieces = &lines[0].pieces;
        assert_eq!(pieces[1].text, "bold");
        assert!(pieces[1].x > Face::Regular.width("plain", 10.0));
        assert_eq!(pieces[2].text, ", after");
    }
}
