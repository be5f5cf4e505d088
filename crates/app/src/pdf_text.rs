//! A PDF's text, for search (the lead magnet library, a cartridge's knowledge documents): read
//! with `lopdf` on a blocking thread, outside any database transaction, under a budget (pages,
//! decompressed size per page, time, characters). A PDF that cannot be read, or runs over the
//! time, gives what was read or nothing: a magnet is still saved and found by its title,
//! description and tags; a knowledge document without text is refused.

use bytes::Bytes;
use std::time::Duration;

/// The most pages read.
const MAX_PAGES: usize = 50;
/// The most decompressed content one page may have, in bytes.
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;
/// The longest the reading may take.
const MAX_TIME: Duration = Duration::from_secs(10);
/// The most characters kept.
pub(crate) const MAX_TEXT_CHARS: usize = 100_000;

/// The text of the PDF `bytes`; empty when it cannot be read within the budget.
pub(crate) async fn extract(bytes: Bytes) -> String {
    let work = tokio::task::spawn_blocking(move || read(&bytes));
    match tokio::time::timeout(MAX_TIME, work).await {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "PDF text extraction failed");
            String::new()
        }
        Err(_) => {
            // The thread finishes on its own; its result is dropped.
            tracing::warn!("PDF text extraction ran out of time");
            String::new()
        }
    }
}

fn read(bytes: &[u8]) -> String {
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "not a readable PDF");
            return String::new();
        }
    };
    let mut text = String::new();
    for page in doc.get_pages().keys().take(MAX_PAGES) {
        match doc.extract_text_with_limit(&[*page], MAX_PAGE_BYTES) {
            Ok(t) => {
                text.push_str(&t);
                text.push('\n');
            }
            Err(e) => tracing::debug!(page, error = %e, "PDF page without readable text"),
        }
        if text.len() > MAX_TEXT_CHARS * 4 {
            break;
        }
    }
    text.chars().take(MAX_TEXT_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn text_of_a_small_pdf_and_nothing_of_garbage() {
        let pdf =
            revos_test_support::pdf::one_page_pdf("Plants turn light into sugar with chlorophyll");
        let text = extract(Bytes::from(pdf)).await;
        assert!(text.contains("chlorophyll"), "{text:?}");
        assert_eq!(extract(Bytes::from_static(b"%PDF-1.4 nonsense")).await, "");
    }
}
