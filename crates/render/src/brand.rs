//! A cartridge's brand as the renderers use it: two colours and an optional logo.

/// An sRGB colour, parsed from `#RRGGBB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

/// The ink of a PDF document's body text, whatever the brand (near black).
pub(crate) const INK: Rgb = Rgb {
    r: 0x11,
    g: 0x18,
    b: 0x27,
};

/// The ink of a PDF document's secondary text: captions, footers (grey).
pub(crate) const MUTED_INK: Rgb = Rgb {
    r: 0x6b,
    g: 0x72,
    b: 0x80,
};

/// A colour that is not `#RRGGBB`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a colour written as #RRGGBB")]
pub struct BrandColorError;

impl Rgb {
    /// Parses `#RRGGBB` (hex digits in either case); anything else is refused.
    pub fn parse(text: &str) -> Result<Self, BrandColorError> {
        let hex = text.strip_prefix('#').ok_or(BrandColorError)?;
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BrandColorError);
        }
        let byte =
            |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).map_err(|_| BrandColorError);
        Ok(Self {
            r: byte(0)?,
            g: byte(2)?,
            b: byte(4)?,
        })
    }

    /// `#rrggbb`, as SVG wants it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// Black or white, whichever reads better on this colour (WCAG relative luminance).
    pub fn readable_text(self) -> Rgb {
        let lin = |c: u8| {
            let c = f32::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let l = 0.2126 * lin(self.r) + 0.7152 * lin(self.g) + 0.0722 * lin(self.b);
        if l > 0.35 {
            Rgb {
                r: 0x11,
                g: 0x18,
                b: 0x27,
            }
        } else {
            Rgb {
                r: 0xff,
                g: 0xff,
                b: 0xff,
            }
        }
    }

    pub(crate) fn krilla(self) -> krilla::color::rgb::Color {
        krilla::color::rgb::Color::new(self.r, self.g, self.b)
    }
}

/// A logo image drawn on a guide's cover.
#[derive(Debug, Clone)]
pub enum Logo {
    /// PNG bytes.
    Png(Vec<u8>),
    /// JPEG bytes.
    Jpeg(Vec<u8>),
}

/// The colours (and logo) a cartridge renders with; [`Brand::default`] when it has none.
#[derive(Debug, Clone)]
pub struct Brand {
    /// Backgrounds of the cover, cards and slides.
    pub primary: Rgb,
    /// Rules, markers and highlights.
    pub accent: Rgb,
    /// Drawn on the cover when present.
    pub logo: Option<Logo>,
}

impl Default for Brand {
    fn default() -> Self {
        Self {
            primary: Rgb {
                r: 0x1e,
                g: 0x3a,
                b: 0x8a,
            },
            accent: Rgb {
                r: 0xf5,
                g: 0x9e,
                b: 0x0b,
            },
            logo: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_six_hex_digits_after_a_hash() {
        assert_eq!(
            Rgb::parse("#0A1b2C"),
            Ok(Rgb {
                r: 0x0a,
                g: 0x1b,
                b: 0x2c
            })
        );
        for bad in ["0A1B2C", "#0A1B2", "#0A1B2CC", "#GG0000", "", "#", "#ééé"] {
            assert_eq!(Rgb::parse(bad), Err(BrandColorError), "{bad}");
        }
    }

    #[test]
    fn readable_text_contrasts_with_the_background() {
        assert_eq!(Rgb::parse("#ffffff").unwrap().readable_text().r, 0x11);
        assert_eq!(Rgb::parse("#000000").unwrap().readable_text().r, 0xff);
    }
}
