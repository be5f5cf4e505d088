//! Reads a PDF's text with `pdftotext` (poppler-utils; scripts/test installs it).

use std::io::Write;
use std::process::{Command, Stdio};

/// The text `pdftotext` extracts from `pdf`; pages end with a form feed.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext is installed (poppler-utils)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pdf)
        .expect("write pdf");
    let out = child.wait_with_output().expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext failed on the PDF");
    String::from_utf8(out.stdout).expect("utf-8 text")
}
