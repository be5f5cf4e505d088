//! A quote card: a post's sentence on a square PNG in the brand's colours, with the cartridge's
//! name, the text wrapped by glyph widths and shrunk until it fits. Drawn as SVG by resvg with
//! the embedded fonts only (no system fonts, nothing loaded from outside).

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::brand::Brand;
use crate::fonts::{BOLD, Face, ITALIC, REGULAR};
use crate::layout::{Line, plain, wrap};
use crate::{RenderError, printable};

/// The card's width and height in pixels.
pub const CARD_SIZE: u32 = 1080;

const MARGIN: f32 = 96.0;
const LARGEST: f32 = 72.0;
const SMALLEST: f32 = 26.0;
/// A card cannot show more; longer text is cut with an ellipsis first.
const MAX_CARD_CHARS: usize = 900;

/// Renders `text` as a `CARD_SIZE`² PNG signed with `author` (the cartridge's name).
pub fn quote_card_png(text: &str, brand: &Brand, author: &str) -> Result<Vec<u8>, RenderError> {
    let text = cut(&printable(text).replace('\n', " "), MAX_CARD_CHARS);
    let author = cut(&printable(author).replace('\n', " "), 80);
    let size = CARD_SIZE as f32;
    let (font_size, lines) = fit(
        text.trim(),
        size - 2.0 * MARGIN,
        size - 2.0 * MARGIN - 200.0,
    );
    let ink = brand.primary.readable_text().hex();
    let leading = font_size * 1.3;
    let mut y = (size - leading * lines.len() as f32) / 2.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}"><rect width="{size}" height="{size}" fill="{primary}"/><rect x="{MARGIN}" y="{MARGIN}" width="120" height="10" fill="{accent}"/><text x="{MARGIN}" y="{quote_y}" font-family="DejaVu Sans" font-weight="bold" font-size="140" fill="{accent}">“</text>"#,
        primary = brand.primary.hex(),
        accent = brand.accent.hex(),
        quote_y = MARGIN + 140.0,
    );
    for line in &lines {
        y += leading;
        for piece in &line.pieces {
            let (weight, style) = match piece.face {
                Face::Regular => ("normal", "normal"),
                Face::Bold => ("bold", "normal"),
                Face::Italic => ("normal", "oblique"),
            };
            svg.push_str(&format!(
                r#"<text x="{x}" y="{y}" font-family="DejaVu Sans" font-weight="{weight}" font-style="{style}" font-size="{font_size}" fill="{ink}" xml:space="preserve">{text}</text>"#,
                x = MARGIN + piece.x,
                text = escape(&piece.text),
            ));
        }
    }
    svg.push_str(&format!(
        r#"<text x="{MARGIN}" y="{ay}" font-family="DejaVu Sans" font-weight="bold" font-size="34" fill="{accent}">— {author}</text></svg>"#,
        ay = size - MARGIN,
        accent = brand.accent.hex(),
        author = escape(&author),
    ));
    render(&svg)
}

fn cut(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The largest size whose wrapped lines fit the box; at the smallest, extra lines are cut.
fn fit(text: &str, width: f32, height: f32) -> (f32, Vec<Line>) {
    let mut size = LARGEST;
    loop {
        let lines = wrap(&plain(text, Face::Regular), size, width);
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
        size = (size * 0.92).max(SMALLEST);
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render(svg: &str) -> Result<Vec<u8>, RenderError> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    let fontdb = FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for bytes in [REGULAR, BOLD, ITALIC] {
            db.load_font_data(bytes.to_vec());
        }
        Arc::new(db)
    });
    let options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: fontdb.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|error| RenderError::Image(error.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(CARD_SIZE, CARD_SIZE)
        .ok_or_else(|| RenderError::Image("empty canvas".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|error| RenderError::Image(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> tiny_skia::Pixmap {
        tiny_skia::Pixmap::decode_png(png).expect("a PNG")
    }

    #[test]
    fn a_card_is_a_square_png_in_the_brand_colours_with_text_drawn() {
        let brand = Brand {
            primary: crate::Rgb::parse("#102030").unwrap(),
            ..Brand::default()
        };
        let png = quote_card_png(
            "Most cold DMs fail because they talk about the sender.",
            &brand,
            "Acme",
        )
        .unwrap();
        let pixmap = decode(&png);
        assert_eq!((pixmap.width(), pixmap.height()), (CARD_SIZE, CARD_SIZE));
        let corner = pixmap.pixel(2, 2).unwrap();
        assert_eq!(
            (corner.red(), corner.green(), corner.blue()),
            (0x10, 0x20, 0x30)
        );
        // White text pixels appear in the middle band where the quote is drawn.
        let lit = (300..780)
            .flat_map(|y| (96..984).map(move |x| (x, y)))
            .filter(|&(x, y)| pixmap.pixel(x, y).unwrap().red() > 0xc0)
            .count();
        assert!(lit > 1_000, "{lit} text pixels");
    }

    #[test]
    fn longer_text_is_drawn_smaller() {
        let (short, _) = fit("Short.", 888.0, 688.0);
        let (long, _) = fit(&"A longer sentence that goes on. ".repeat(12), 888.0, 688.0);
        assert!(long < short, "{long} vs {short}");
        let (tiny, lines) = fit(&"word ".repeat(5_000), 888.0, 688.0);
        assert_eq!(tiny, SMALLEST);
        assert!(lines.len() as f32 * tiny * 1.3 <= 688.0);
    }

    #[test]
    fn hostile_text_renders_at_the_expected_size() {
        for text in [
            "",
            "<svg onload=alert(1)>&amp;\"",
            "🚀🔥👩‍👩‍👧 مرحبا שלום",
            &"x".repeat(100_000),
            "\u{0}\u{1b}\u{202e}\u{fffe}",
        ] {
            let png = quote_card_png(text, &Brand::default(), "<b>Acme</b> & \"Co\"").unwrap();
            assert_eq!(decode(&png).width(), CARD_SIZE);
        }
    }
}
