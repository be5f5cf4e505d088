//! A report to a PDF: a heading band with the title and the lines under it (who the report is
//! from and for, the period), then tables (a heading, column titles, rows of cells), broken
//! over as many pages as they need, a footer on each page. The figures arrive as text: the
//! caller decides how numbers read.

use crate::brand::{Brand, INK, MUTED_INK, Rgb};
use crate::fonts::Face;
use crate::pdf::{Op, PageOps, write};
use crate::{RenderError, printable};

/// Pages past this many are dropped, the last one saying so.
pub const MAX_REPORT_PAGES: usize = 30;

/// One table of a report.
#[derive(Debug, Clone, Default)]
pub struct ReportTable {
    /// The table's heading.
    pub heading: String,
    /// The column titles; the first column is the row's name, the others are right-aligned.
    pub columns: Vec<String>,
    /// The rows, a cell per column.
    pub rows: Vec<Vec<String>>,
}

/// What a report shows.
#[derive(Debug, Clone, Default)]
pub struct ReportDocument {
    /// The title, in the heading band and the PDF's metadata.
    pub title: String,
    /// Lines under the title (agency, client, period).
    pub lines: Vec<String>,
    /// The tables, in order.
    pub tables: Vec<ReportTable>,
    /// The footer of every page (before the page number).
    pub footer: String,
}

const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const SIZE: f32 = 9.5;
const ROW: f32 = 15.0;
/// The name column's share of the width; the other columns share the rest.
const NAME_SHARE: f32 = 0.34;
const TEXT: Rgb = INK;
const MUTED: Rgb = MUTED_INK;
const RULE: Rgb = Rgb {
    r: 0xe5,
    g: 0xe7,
    b: 0xeb,
};

/// Cuts `text` to one line no wider than `width` at `size`, with an ellipsis when cut.
fn fit(text: &str, face: Face, size: f32, width: f32) -> String {
    let text = printable(text).replace('\n', " ");
    if face.width(&text, size) <= width {
        return text;
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if face.width(&format!("{out}…"), size) > width {
            out.pop();
            break;
        }
    }
    format!("{out}…")
}

/// Lays pages out one line at a time.
struct Pages {
    pages: Vec<PageOps>,
    y: f32,
    full: bool,
}

impl Pages {
    /// Makes room for `height` points, opening a page when needed; `false` once the budget
    /// is spent.
    fn room(&mut self, height: f32) -> bool {
        if self.full {
            return false;
        }
        if self.y + height > HEIGHT - MARGIN - 20.0 {
            if self.pages.len() == MAX_REPORT_PAGES {
                self.full = true;
                return false;
            }
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
        self.y += height;
        true
    }

    fn text(&mut self, x: f32, text: String, face: Face, size: f32, color: Rgb) {
        let y = self.y;
        self.ops().push(Op::Text {
            x,
            y,
            text,
            face,
            size,
            color,
        });
    }

    fn ops(&mut self) -> &mut PageOps {
        self.pages.last_mut().expect("a page is open")
    }
}

/// Renders `report` to an A4 PDF in `brand`'s colours.
pub fn report_pdf(report: &ReportDocument, brand: &Brand) -> Result<Vec<u8>, RenderError> {
    let inner = WIDTH - 2.0 * MARGIN;
    let band = 64.0 + 16.0 * report.lines.len().min(6) as f32;
    let ink = brand.primary.readable_text();
    let mut first = vec![Op::Rect {
        x: 0.0,
        y: 0.0,
        w: WIDTH,
        h: band,
        color: brand.primary,
    }];
    first.push(Op::Text {
        x: MARGIN,
        y: 40.0,
        text: fit(&report.title, Face::Bold, 20.0, inner),
        face: Face::Bold,
        size: 20.0,
        color: ink,
    });
    for (i, line) in report.lines.iter().take(6).enumerate() {
        first.push(Op::Text {
            x: MARGIN,
            y: 62.0 + 16.0 * i as f32,
            text: fit(line, Face::Regular, 11.0, inner),
            face: Face::Regular,
            size: 11.0,
            color: ink,
        });
    }
    let mut p = Pages {
        pages: vec![first],
        y: band + 8.0,
        full: false,
    };
    let name_w = inner * NAME_SHARE;
    'tables: for table in &report.tables {
        if !p.room(30.0) {
            break;
        }
        let heading = fit(&table.heading, Face::Bold, 13.0, inner);
        p.text(MARGIN, heading, Face::Bold, 13.0, brand.primary);
        let columns = table.columns.len().max(1);
        let cell_w = (inner - name_w) / (columns.saturating_sub(1).max(1)) as f32;
        let mut header = true;
        for cells in std::iter::once(&table.columns).chain(table.rows.iter()) {
            if !p.room(ROW) {
                break 'tables;
            }
            let face = if header { Face::Bold } else { Face::Regular };
            let color = if header { MUTED } else { TEXT };
            for (i, cell) in cells.iter().take(columns).enumerate() {
                if i == 0 {
                    let text = fit(cell, face, SIZE, name_w - 6.0);
                    p.text(MARGIN, text, face, SIZE, color);
                } else {
                    let text = fit(cell, face, SIZE, cell_w - 4.0);
                    let right = MARGIN + name_w + cell_w * i as f32;
                    let x = right - face.width(&text, SIZE);
                    p.text(x, text, face, SIZE, color);
                }
            }
            let y = p.y + 4.0;
            p.ops().push(Op::Rect {
                x: MARGIN,
                y,
                w: inner,
                h: 0.6,
                color: RULE,
            });
            header = false;
        }
        p.y += 10.0;
    }
    let mut pages = p.pages;
    if p.full
        && let Some(last) = pages.last_mut()
    {
        last.push(Op::Text {
            x: MARGIN,
            y: HEIGHT - MARGIN - 6.0,
            text: "… (shortened: the report is longer than this document allows)".into(),
            face: Face::Italic,
            size: 8.0,
            color: MUTED,
        });
    }
    let total = pages.len();
    let footer = fit(&report.footer, Face::Regular, 8.0, inner - 60.0);
    for (index, ops) in pages.iter_mut().enumerate() {
        ops.push(Op::Text {
            x: MARGIN,
            y: HEIGHT - MARGIN / 2.0,
            text: format!("{footer} · {} / {total}", index + 1),
            face: Face::Regular,
            size: 8.0,
            color: MUTED,
        });
    }
    write(&pages, WIDTH, HEIGHT, &report.title, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::pdf_text;

    fn table(rows: usize) -> ReportTable {
        ReportTable {
            heading: "Per campaign".into(),
            columns: vec!["Campaign".into(), "Leads".into(), "Replied".into()],
            rows: (0..rows)
                .map(|i| vec![format!("Campaign {i}"), format!("{}", i * 7), "3".into()])
                .collect(),
        }
    }

    #[test]
    fn the_pdf_holds_the_names_and_the_figures_as_text() {
        let doc = ReportDocument {
            title: "Report for Globex".into(),
            lines: vec!["From Acme Agency".into(), "2027-02-01 to 2027-02-28".into()],
            tables: vec![table(3)],
            footer: "Acme Agency · Globex".into(),
        };
        let pdf = report_pdf(&doc, &Brand::default()).unwrap();
        let text = pdf_text(&pdf);
        for expected in [
            "Report for Globex",
            "From Acme Agency",
            "2027-02-28",
            "Per campaign",
            "Campaign 2",
            "14",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in {text}");
        }
    }

    #[test]
    fn long_reports_span_pages_and_stop_at_the_budget() {
        let doc = ReportDocument {
            title: "T".repeat(500),
            lines: vec!["x".repeat(2_000); 20],
            tables: vec![table(200)],
            footer: "F".into(),
        };
        let text = pdf_text(&report_pdf(&doc, &Brand::default()).unwrap());
        assert!(text.matches('\u{c}').count() > 2, "one page only");
        let huge = ReportDocument {
            tables: vec![table(5_000)],
            ..Default::default()
        };
        let text = pdf_text(&report_pdf(&huge, &Brand::default()).unwrap());
        assert!(text.contains("shortened"), "no truncation note");
        assert!(text.matches('\u{c}').count() <= MAX_REPORT_PAGES + 1);
    }
}
