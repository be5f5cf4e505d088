//! Cutting a knowledge document into passages for retrieval: by headings and paragraphs,
//! each passage about [`TARGET`] characters (never more than [`MAX`]), and a passage cut for
//! size starts with the end of the one before it ([`OVERLAP`]), so a sentence on the border is
//! found from either side.

/// The size a passage grows to before it is closed, in characters.
pub const TARGET: usize = 800;
/// The largest passage, in characters.
pub const MAX: usize = 1_000;
/// How much of a passage cut for size the next one repeats, in characters.
pub const OVERLAP: usize = 150;
/// The most passages one document gives (larger documents keep their first passages).
pub const MAX_CHUNKS: usize = 2_000;

fn is_heading(block: &str) -> bool {
    block.trim_start().starts_with('#')
}

/// Splits a block longer than [`MAX`] at whitespace (or anywhere, for a run without any).
fn split_long(block: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = block.trim();
    while rest.chars().count() > MAX {
        let limit = rest
            .char_indices()
            .nth(TARGET)
            .map_or(rest.len(), |(i, _)| i);
        let cut = rest[..limit]
            .rfind(char::is_whitespace)
            .filter(|&i| i > 0)
            .unwrap_or(limit);
        out.push(rest[..cut].trim().to_owned());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

/// The last [`OVERLAP`] characters of `text`, starting at a word.
fn tail(text: &str) -> &str {
    let n = text.chars().count();
    if n <= OVERLAP {
        return text;
    }
    let start = text.char_indices().nth(n - OVERLAP).map_or(0, |(i, _)| i);
    let from = text[start..]
        .find(char::is_whitespace)
        .map_or(start, |i| start + i);
    text[from..].trim_start()
}

/// The passages of `text`, in order, none empty and none longer than [`MAX`] characters
/// (plus the overlap it starts with).
pub fn chunk(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    let mut blocks: Vec<String> = Vec::new();
    for para in text.split("\n\n") {
        // A heading line inside a paragraph starts a block of its own.
        let mut current = String::new();
        for line in para.lines() {
            if is_heading(line) && !current.trim().is_empty() {
                blocks.extend(split_long(&current));
                current.clear();
            }
            current.push_str(line);
            current.push('\n');
        }
        blocks.extend(split_long(&current));
    }
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    for block in blocks.into_iter().filter(|b| !b.trim().is_empty()) {
        let len = current.chars().count();
        if !current.is_empty() && is_heading(&block) {
            chunks.push(std::mem::take(&mut current));
        } else if !current.is_empty() && len + block.chars().count() + 2 > TARGET {
            let carried = tail(&current).to_owned();
            chunks.push(std::mem::take(&mut current));
            if carried.chars().count() + block.chars().count() + 2 <= MAX + OVERLAP {
                current = carried;
            }
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(block.trim());
        if chunks.len() >= MAX_CHUNKS {
            break;
        }
    }
    if !current.trim().is_empty() && chunks.len() < MAX_CHUNKS {
        chunks.push(current);
    }
    chunks
}

/// The headings of a Markdown document (without their `#`s), in order: what it is about.
pub fn headings(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| is_heading(l))
        .map(|l| l.trim_start().trim_start_matches('#').trim().to_owned())
        .filter(|h| !h.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_paragraphs_make_passages() {
        let doc = "# Pricing\n\nWe charge per seat.\n\n# Onboarding\nDay one: setup.\n\nDay two: training.";
        let c = chunk(doc);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[0].starts_with("# Pricing") && c[0].contains("per seat"));
        assert!(c[1].starts_with("# Onboarding") && c[1].contains("Day two"));
        assert_eq!(headings(doc), ["Pricing", "Onboarding"]);
    }

    #[test]
    fn long_text_is_cut_with_overlap_and_bounded() {
        let para = "word ".repeat(60); // 300 chars
        let doc = [para.trim(); 10].join("\n\n");
        let c = chunk(&doc);
        assert!(c.len() >= 3, "{}", c.len());
        for p in &c {
            assert!(p.chars().count() <= MAX + OVERLAP + 2, "{}", p.len());
        }
        // Each passage cut for size starts with the end of the one before.
        let end: String = c[0]
            .chars()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert!(c[1].contains(end.trim()), "{:?}", &c[..2]);
        let one = "x".repeat(2_500);
        let c = chunk(&one);
        assert!(c.iter().all(|p| p.chars().count() <= MAX + OVERLAP + 2));
        assert!(c.iter().map(|p| p.matches('x').count()).sum::<usize>() >= 2_500);
        assert!(chunk("  \n\n ").is_empty());
    }
}
