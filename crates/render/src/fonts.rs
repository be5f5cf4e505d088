//! The embedded fonts (DejaVu Sans, Bitstream Vera licence: `fonts/LICENSE-DejaVu.txt`) and their
//! glyph advances, so wrapping measures what is drawn.

use std::sync::OnceLock;

/// DejaVu Sans, the body face.
pub(crate) const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, headings and strong text.
pub(crate) const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
/// DejaVu Sans Oblique, emphasis.
pub(crate) const ITALIC: &[u8] = include_bytes!("../fonts/DejaVuSans-Oblique.ttf");

/// Which of the embedded faces a run of text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
    Italic,
}

impl Face {
    pub(crate) fn bytes(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
            Face::Italic => ITALIC,
        }
    }

    fn parsed(self) -> &'static ttf_parser::Face<'static> {
        static FACES: OnceLock<[ttf_parser::Face<'static>; 3]> = OnceLock::new();
        let faces = FACES.get_or_init(|| {
            [REGULAR, BOLD, ITALIC]
                .map(|bytes| ttf_parser::Face::parse(bytes, 0).expect("embedded font parses"))
        });
        &faces[self as usize]
    }

    /// The width of `text` at `size` points: the sum of the glyphs' advances (no kerning).
    pub(crate) fn width(self, text: &str, size: f32) -> f32 {
        let face = self.parsed();
        let per_unit = size / f32::from(face.units_per_em());
        let units: u32 = text
            .chars()
            .map(|c| {
                let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                u32::from(face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .sum();
        units as f32 * per_unit
    }

    /// A krilla font for this face (parsed once per document).
    pub(crate) fn krilla(self) -> krilla::text::Font {
        krilla::text::Font::new(self.bytes().into(), 0).expect("embedded font parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_glyphs() {
        let narrow = Face::Regular.width("iiii", 10.0);
        let wide = Face::Regular.width("WWWW", 10.0);
        assert!(narrow > 0.0 && wide > 2.0 * narrow, "{narrow} {wide}");
        assert!(Face::Bold.width("Hello", 10.0) > Face::Regular.width("Hello", 10.0));
        assert!(
            (Face::Regular.width("ab", 20.0) - 2.0 * Face::Regular.width("ab", 10.0)).abs() < 0.01
        );
    }
}
