//! CSV for exports (RFC 4180), safe to open in a spreadsheet: cells that a spreadsheet would
//! run as a formula are defused, since lead data comes from strangers' LinkedIn profiles.

/// Appends one CSV row (fields separated by commas, ended by CRLF) to `out`.
pub(crate) fn write_row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// Appends one cell: prefixed with `'` when it starts like a formula (`=`, `+`, `-`, `@`, tab
/// or carriage return, per OWASP), then quoted when it holds a comma, quote or line break.
fn write_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = cell.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in cell.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::write_row;

    fn row(cells: &[&str]) -> String {
        let mut out = String::new();
        write_row(&mut out, cells.iter().copied());
        out
    }

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(row(&["a", "", "b c"]), "a,,b c\r\n");
        assert_eq!(
            row(&["Acme, Inc.", "say \"hi\"", "two\nlines"]),
            "\"Acme, Inc.\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(
            row(&["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "a=b"]),
            "\"'=HYPERLINK(\"\"x\"\")\",'+1,'-2,'@SUM(A1),a=b\r\n"
        );
        assert_eq!(row(&["\tcmd"]), "'\tcmd\r\n");
    }
}
