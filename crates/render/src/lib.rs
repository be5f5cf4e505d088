//! Offline rendering for content assets: a Markdown guide to a multi-page PDF with a branded
//! cover, a quote card to a PNG, a post to a carousel PDF (one slide per block) and a period's
//! report (figures in tables) to a PDF.
//!
//! Pure: bytes in, bytes out, no I/O. Fonts (DejaVu, see `fonts/LICENSE-DejaVu.txt`) are embedded
//! in the binary so output is the same on every machine, and text in PDFs is real text. Every
//! entry point works under a budget: input is cut at [`MAX_INPUT_CHARS`], pages and slides at
//! their limits, with an ellipsis where content was dropped.

mod brand;
mod carousel;
mod fonts;
mod guide;
mod layout;
mod markdown;
mod pdf;
mod quote_card;
mod report;

pub use brand::{Brand, BrandColorError, Logo, Rgb};
pub use carousel::{MAX_SLIDES, carousel_pdf};
pub use guide::{GuideDocument, MAX_GUIDE_PAGES, PageSize, guide_pdf};
pub use quote_card::{CARD_SIZE, quote_card_png};
pub use report::{MAX_REPORT_PAGES, ReportDocument, ReportTable, report_pdf};

/// The most characters of tenant text any renderer reads; the rest is dropped with an ellipsis.
pub const MAX_INPUT_CHARS: usize = 60_000;

/// Why a document could not be rendered (never the input's fault: hostile input is truncated).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The PDF writer refused the document.
    #[error("could not write the PDF: {0}")]
    Pdf(String),
    /// The rasteriser could not produce the image.
    #[error("could not draw the image: {0}")]
    Image(String),
}

/// Cuts `text` to [`MAX_INPUT_CHARS`] characters (on a char boundary), marking the cut.
pub(crate) fn bounded(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_INPUT_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..at])),
    }
}

/// Drops control characters (except newlines and tabs) that no font or XML parser accepts.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| (!c.is_control() || *c == '\n') && !matches!(c, '\u{fffe}' | '\u{ffff}'))
        .collect()
}

#[cfg(test)]
mod test_support;
