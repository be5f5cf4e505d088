//! A Markdown guide to a multi-page PDF: a branded cover, then the body with headings, styled
//! paragraphs and nested lists, a footer on each page.

use crate::brand::{Brand, INK, MUTED_INK, Rgb};
use crate::fonts::Face;
use crate::layout::{Line, plain, wrap};
use crate::markdown::{Block, Kind, blocks};
use crate::pdf::{Op, PageOps, write};
use crate::{RenderError, bounded, printable};

/// Body pages past this many are dropped; the last page ends with a note that the guide was cut.
pub const MAX_GUIDE_PAGES: usize = 40;

/// The paper a guide is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageSize {
    /// 210 × 297 mm.
    #[default]
    A4,
    /// 8.5 × 11 in.
    Letter,
}

impl PageSize {
    fn points(self) -> (f32, f32) {
        match self {
            PageSize::A4 => (595.28, 841.89),
            PageSize::Letter => (612.0, 792.0),
        }
    }
}

/// What a guide shows: the cartridge (client) it is for, its title and its Markdown body.
#[derive(Debug, Clone, Copy)]
pub struct GuideDocument<'a> {
    /// The cartridge's name, on the cover and in each footer.
    pub cartridge_name: &'a str,
    /// The guide's title, on the cover.
    pub title: &'a str,
    /// The body.
    pub markdown: &'a str,
}

const MARGIN: f32 = 56.0;
const BODY: f32 = 11.0;
const INDENT: f32 = 18.0;
const TEXT: Rgb = INK;
const MUTED: Rgb = MUTED_INK;

/// Renders `guide` to a PDF with `brand`'s colours (and logo on the cover).
pub fn guide_pdf(
    guide: &GuideDocument<'_>,
    brand: &Brand,
    size: PageSize,
) -> Result<Vec<u8>, RenderError> {
    let (width, height) = size.points();
    let name = one_line(guide.cartridge_name, 200);
    let title = one_line(guide.title, 300);
    let mut pages = vec![cover(&name, &title, brand, width, height)];
    pages.extend(body(
        &printable(&bounded(guide.markdown)),
        &name,
        brand,
        width,
        height,
    ));
    write(&pages, width, height, &title, brand.logo.as_ref())
}

fn one_line(text: &str, max_chars: usize) -> String {
    let text = printable(text).replace('\n', " ");
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

fn cover(name: &str, title: &str, brand: &Brand, width: f32, height: f32) -> PageOps {
    let ink = brand.primary.readable_text();
    let mut ops = vec![
        Op::Rect {
            x: 0.0,
            y: 0.0,
            w: width,
            h: height,
            color: brand.primary,
        },
        Op::Rect {
            x: MARGIN,
            y: height * 0.42,
            w: 96.0,
            h: 6.0,
            color: brand.accent,
        },
    ];
    if brand.logo.is_some() {
        ops.push(Op::Logo {
            x: MARGIN,
            y: MARGIN,
            max_w: 160.0,
            max_h: 72.0,
        });
    }
    let mut y = height * 0.42 + 52.0;
    let title_size = 30.0;
    for line in wrap(&plain(title, Face::Bold), title_size, width - 2.0 * MARGIN)
        .into_iter()
        .take(8)
    {
        draw_line(&mut ops, &line, MARGIN, y, title_size, ink);
        y += title_size * 1.25;
    }
    y += 18.0;
    for line in wrap(&plain(name, Face::Regular), 16.0, width - 2.0 * MARGIN)
        .into_iter()
        .take(3)
    {
        draw_line(&mut ops, &line, MARGIN, y, 16.0, ink);
        y += 22.0;
    }
    ops
}

fn draw_line(ops: &mut PageOps, line: &Line, x: f32, y: f32, size: f32, color: Rgb) {
    for piece in &line.pieces {
        ops.push(Op::Text {
            x: x + piece.x,
            y,
            text: piece.text.clone(),
            face: piece.face,
            size,
            color,
        });
    }
}

fn heading_size(level: u8) -> f32 {
    match level {
        1 => 20.0,
        2 => 16.0,
        3 => 13.5,
        _ => 12.0,
    }
}

fn body(markdown: &str, name: &str, brand: &Brand, width: f32, height: f32) -> Vec<PageOps> {
    let bottom = height - MARGIN - 16.0;
    let mut pages: Vec<PageOps> = vec![Vec::new()];
    let mut y = MARGIN;
    let mut truncated = false;
    'blocks: for block in blocks(markdown) {
        let (size, indent, color, before) = style(&block, brand);
        let lines = wrap(&block.runs, size, width - 2.0 * MARGIN - indent);
        if y > MARGIN {
            y += before;
        }
        for (index, line) in lines.iter().enumerate() {
            let leading = size * 1.45;
            if y + leading > bottom {
                if pages.len() == MAX_GUIDE_PAGES {
                    truncated = true;
                    break 'blocks;
                }
                pages.push(Vec::new());
                y = MARGIN;
            }
            y += leading;
            let ops = pages.last_mut().expect("a page is open");
            if index == 0
                && let Kind::Item { marker, .. } = &block.kind
            {
                let marker_x = MARGIN + indent - Face::Regular.width(marker, size) - 6.0;
                ops.push(Op::Text {
                    x: marker_x,
                    y,
                    text: marker.clone(),
                    face: Face::Regular,
                    size,
                    color: brand.accent,
                });
            }
            draw_line(ops, line, MARGIN + indent, y, size, color);
        }
        if matches!(block.kind, Kind::Heading(1)) {
            pages.last_mut().expect("a page is open").push(Op::Rect {
                x: MARGIN,
                y: y + 6.0,
                w: 48.0,
                h: 2.5,
                color: brand.accent,
            });
            y += 8.0;
        }
    }
    if truncated && let Some(last) = pages.last_mut() {
        last.push(Op::Text {
            x: MARGIN,
            y: bottom + 4.0,
            text: "… (shortened: the guide is longer than this document allows)".into(),
            face: Face::Italic,
            size: 9.0,
            color: MUTED,
        });
    }
    let total = pages.len();
    for (index, ops) in pages.iter_mut().enumerate() {
        let footer = format!("{name} · {} / {total}", index + 1);
        ops.push(Op::Text {
            x: MARGIN,
            y: height - MARGIN / 2.0,
            text: footer,
            face: Face::Regular,
            size: 8.0,
            color: MUTED,
        });
    }
    pages
}

/// Size, indent, colour and space before for a block.
fn style(block: &Block, brand: &Brand) -> (f32, f32, Rgb, f32) {
    match &block.kind {
        Kind::Heading(level) => (heading_size(*level), 0.0, brand.primary, 14.0),
        Kind::Paragraph => (BODY, 0.0, TEXT, 6.0),
        Kind::Item { depth, .. } => (BODY, INDENT * *depth as f32, TEXT, 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::pdf_text;

    fn guide(markdown: &str) -> Vec<u8> {
        let doc = GuideDocument {
            cartridge_name: "Acme Growth",
            title: "The Outbound Playbook",
            markdown,
        };
        guide_pdf(&doc, &Brand::default(), PageSize::A4).expect("renders")
    }

    #[test]
    fn the_pdf_holds_the_cover_and_the_headings_as_text() {
        let pdf = guide(
            "# Why cold DMs fail\n\nMost **founders** write *too much*.\n\n## Three fixes\n\n1. Be short\n2. Be specific\n   - name the pain\n\n### Checklist\n\n- Send on Tuesdays\n",
        );
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdf_text(&pdf);
        for expected in [
            "The Outbound Playbook",
            "Acme Growth",
            "Why cold DMs fail",
            "Three fixes",
            "Checklist",
            "founders",
            "name the pain",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in {text}");
        }
    }

    #[test]
    fn letter_pages_have_letter_size() {
        let doc = GuideDocument {
            cartridge_name: "A",
            title: "T",
            markdown: "# H",
        };
        let pdf = guide_pdf(&doc, &Brand::default(), PageSize::Letter).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("612 792"), "no letter media box");
    }

    #[test]
    fn long_guides_span_pages_and_stop_at_the_budget() {
        let section = "## Section\n\nA paragraph of reasonable length that keeps going for a while to fill the page.\n\n";
        let pdf = guide(&section.repeat(40));
        let pages = pdf_text(&pdf).matches('\u{c}').count();
        assert!(pages > 3, "{pages} pages");

        let started = std::time::Instant::now();
        let huge = guide(&"- item\n".repeat(20_000));
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let text = pdf_text(&huge);
        assert!(text.contains("shortened"), "no truncation note");
        assert!(text.matches('\u{c}').count() <= MAX_GUIDE_PAGES + 1);
    }

    #[test]
    fn hostile_text_renders_without_panicking() {
        let mut nested = String::new();
        for depth in 0..300 {
            nested.push_str(&"  ".repeat(depth));
            nested.push_str("- deeper\n");
        }
        for markdown in [
            nested.as_str(),
            "# مرحبا بالعالم\n\nשלום עולם — mixed RTL and LTR",
            "# Emoji 🚀🔥👩‍👩‍👧\n\nZalgo: Z̷̢͓a̸l̵g̶o̷ \u{0000}\u{202e}reversed\u{fffe}",
            &"x".repeat(70_000),
            "<script>alert(1)</script> [x](javascript:alert(1)) ![img](file:///etc/passwd)",
            "",
        ] {
            let pdf = guide(markdown);
            assert!(pdf.starts_with(b"%PDF-"));
        }
        let rtl = pdf_text(&guide("# مرحبا"));
        assert!(rtl.contains("The Outbound Playbook"));
    }
}
