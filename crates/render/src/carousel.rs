//! A post's text to a carousel: a PDF document post of 1080×1350 slides, one per heading or
//! paragraph, in the brand's colours, the text as large as fits.

use crate::brand::Brand;
use crate::fonts::Face;
use crate::layout::{Line, wrap};
use crate::markdown::{Block, Kind, Run, blocks};
use crate::pdf::{Op, write};
use crate::{RenderError, bounded, printable};

/// Slides past this many are dropped; the last slide then ends with an ellipsis.
pub const MAX_SLIDES: usize = 20;

const WIDTH: f32 = 1080.0;
const HEIGHT: f32 = 1350.0;
const MARGIN: f32 = 96.0;
const LARGEST: f32 = 72.0;
const SMALLEST: f32 = 28.0;
/// More characters than fit a slide at the smallest size.
const MAX_SLIDE_CHARS: usize = 1_500;

/// Renders `text` (plain or Markdown) as a carousel PDF in `brand`'s colours.
pub fn carousel_pdf(text: &str, brand: &Brand) -> Result<Vec<u8>, RenderError> {
    let text = printable(&bounded(text));
    let mut slides: Vec<Block> = blocks(&text);
    if slides.len() > MAX_SLIDES {
        slides.truncate(MAX_SLIDES);
        if let Some(last) = slides.last_mut() {
            last.runs.push(Run {
                text: " …".into(),
                face: Face::Regular,
            });
        }
    }
    if slides.is_empty() {
        slides.push(Block {
            kind: Kind::Paragraph,
            runs: vec![Run {
                text: "…".into(),
                face: Face::Regular,
            }],
        });
    }
    let ink = brand.primary.readable_text();
    let total = slides.len();
    let pages: Vec<_> = slides
        .iter()
        .enumerate()
        .map(|(index, block)| {
            let (size, lines) = fit(block);
            let mut ops = vec![
                Op::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: WIDTH,
                    h: HEIGHT,
                    color: brand.primary,
                },
                Op::Rect {
                    x: MARGIN,
                    y: MARGIN,
                    w: 120.0,
                    h: 10.0,
                    color: brand.accent,
                },
            ];
            let leading = size * 1.3;
            let mut y = (HEIGHT - leading * lines.len() as f32) / 2.0;
            for line in &lines {
                y += leading;
                for piece in &line.pieces {
                    ops.push(Op::Text {
                        x: MARGIN + piece.x,
                        y,
                        text: piece.text.clone(),
                        face: piece.face,
                        size,
                        color: ink,
                    });
                }
            }
            ops.push(Op::Text {
                x: WIDTH - MARGIN - Face::Bold.width("00 / 00", 28.0),
                y: HEIGHT - MARGIN / 2.0 - 10.0,
                text: format!("{} / {total}", index + 1),
                face: Face::Bold,
                size: 28.0,
                color: brand.accent,
            });
            ops
        })
        .collect();
    write(&pages, WIDTH, HEIGHT, "Carousel", None)
}

/// The largest size (headings start larger) at which the block fits its slide; at the smallest
/// size lines past the slide are cut with an ellipsis.
fn fit(block: &Block) -> (f32, Vec<Line>) {
    let width = WIDTH - 2.0 * MARGIN;
    let height = HEIGHT - 3.0 * MARGIN;
    // More than a slide can show at the smallest size is cut before measuring.
    let mut budget = MAX_SLIDE_CHARS;
    let heading = matches!(block.kind, Kind::Heading(_));
    let runs: Vec<Run> = block
        .runs
        .iter()
        .map_while(|run| {
            if budget == 0 {
                return None;
            }
            let text: String = run.text.chars().take(budget).collect();
            budget -= text.chars().count();
            Some(Run {
                text,
                face: if heading { Face::Bold } else { run.face },
            })
        })
        .collect();
    let mut size = if matches!(block.kind, Kind::Heading(_)) {
        LARGEST * 1.2
    } else {
        LARGEST
    };
    loop {
        let lines = wrap(&runs, size, width);
        if lines.len() as f32 * size * 1.3 <= height {
            return (size, lines);
        }
        if size <= SMALLEST {
            let keep = ((height / (size * 1.3)) as usize).max(1);
            let mut lines: Vec<Line> = lines.into_iter().take(keep).collect();
            if let Some(piece) = lines.last_mut().and_then(|line| line.pieces.last_mut()) {
                piece.text.push('…');
            }
            return (size, lines);
        }
        size = (size * 0.9).max(SMALLEST);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::pdf_text;

    #[test]
    fn one_slide_per_block_with_the_text() {
        let pdf = carousel_pdf(
            "# Five hooks that work\n\nStart with a number.\n\nAsk a real question.",
            &Brand::default(),
        )
        .unwrap();
        let text = pdf_text(&pdf);
        assert_eq!(text.matches('\u{c}').count(), 3, "{text}");
        assert!(
            text.contains("Five hooks that") && text.contains("work"),
            "{text:?}"
        );
        assert!(text.contains("Ask a real question."));
        assert!(String::from_utf8_lossy(&pdf).contains("1080 1350"));
    }

    #[test]
    fn slides_stop_at_the_budget_and_long_text_shrinks() {
        let many: String = (0..60).map(|i| format!("Paragraph {i}.\n\n")).collect();
        let text = pdf_text(&carousel_pdf(&many, &Brand::default()).unwrap());
        assert_eq!(text.matches('\u{c}').count(), MAX_SLIDES);
        assert!(text.contains('…'));

        let (size, _) = fit(&blocks(&"long words here ".repeat(2_000))[0]);
        assert_eq!(size, SMALLEST);
        let (size, _) = fit(&blocks("Short.")[0]);
        assert_eq!(size, LARGEST);
    }

    #[test]
    fn hostile_text_renders() {
        for text in [
            "",
            "🚀🔥 مرحبا שלום",
            &"x".repeat(100_000),
            "\u{0}\u{202e}\u{fffe}",
        ] {
            assert!(
                carousel_pdf(text, &Brand::default())
                    .unwrap()
                    .starts_with(b"%PDF-")
            );
        }
    }
}
