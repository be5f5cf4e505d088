//! Markdown to the few blocks the renderers draw: headings, paragraphs and list items made of
//! styled runs. Links keep their text, images their alt text; nothing is fetched or executed.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::fonts::Face;

/// Lists nested deeper than this are drawn at this depth.
pub(crate) const MAX_LIST_DEPTH: usize = 6;

/// A run of text in one face.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub(crate) text: String,
    pub(crate) face: Face,
}

/// What a block is; decides its size, indentation and marker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `#`..`######`, 1 to 6.
    Heading(u8),
    Paragraph,
    /// A list item (or a later paragraph of one, with an empty marker) at a depth from 1.
    Item {
        depth: usize,
        marker: String,
    },
}

/// One block of the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub(crate) kind: Kind,
    pub(crate) runs: Vec<Run>,
}

impl Block {
    #[cfg(test)]
    /// The block's text without styling.
    pub(crate) fn plain(&self) -> String {
        self.runs.iter().map(|run| run.text.as_str()).collect()
    }
}

/// Parses `markdown` (already bounded by the caller) into blocks.
pub(crate) fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    // Each open list: the next number for an ordered list, None for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut current: Option<Block> = None;
    let (mut strong, mut emphasis) = (0usize, 0usize);

    let flush = |current: &mut Option<Block>, out: &mut Vec<Block>| {
        if let Some(block) = current.take()
            && block.runs.iter().any(|run| !run.text.trim().is_empty())
        {
            out.push(block);
        }
    };

    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                flush(&mut current, &mut out);
                current = Some(Block {
                    kind: Kind::Heading(heading_level(level)),
                    runs: Vec::new(),
                });
            }
            Event::Start(Tag::Paragraph) | Event::Start(Tag::CodeBlock(_)) => {
                let in_fresh_item = matches!(&current, Some(Block { kind: Kind::Item { .. }, runs }) if runs.is_empty());
                if !in_fresh_item {
                    flush(&mut current, &mut out);
                    let kind = match lists.len() {
                        0 => Kind::Paragraph,
                        depth => Kind::Item {
                            depth: depth.min(MAX_LIST_DEPTH),
                            marker: String::new(),
                        },
                    };
                    current = Some(Block {
                        kind,
                        runs: Vec::new(),
                    });
                }
            }
            Event::Start(Tag::List(start)) => {
                flush(&mut current, &mut out);
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                flush(&mut current, &mut out);
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                flush(&mut current, &mut out);
                let marker = match lists.last_mut() {
                    Some(Some(next)) => {
                        let marker = format!("{next}.");
                        *next = next.saturating_add(1);
                        marker
                    }
                    _ => "•".to_owned(),
                };
                let depth = lists.len().clamp(1, MAX_LIST_DEPTH);
                current = Some(Block {
                    kind: Kind::Item { depth, marker },
                    runs: Vec::new(),
                });
            }
            Event::End(TagEnd::Heading(_))
            | Event::End(TagEnd::Paragraph)
            | Event::End(TagEnd::CodeBlock)
            | Event::End(TagEnd::Item) => flush(&mut current, &mut out),
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Start(Tag::Emphasis) => emphasis += 1,
            Event::End(TagEnd::Emphasis) => emphasis = emphasis.saturating_sub(1),
            Event::Text(text) | Event::Code(text) | Event::InlineHtml(text) | Event::Html(text) => {
                let heading = matches!(
                    &current,
                    Some(Block {
                        kind: Kind::Heading(_),
                        ..
                    })
                );
                let face = if strong > 0 || heading {
                    Face::Bold
                } else if emphasis > 0 {
                    Face::Italic
                } else {
                    Face::Regular
                };
                let block = current.get_or_insert_with(|| Block {
                    kind: Kind::Paragraph,
                    runs: Vec::new(),
                });
                block.runs.push(Run {
                    text: text.into_string(),
                    face,
                });
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(block) = current.as_mut() {
                    block.runs.push(Run {
                        text: " ".to_owned(),
                        face: Face::Regular,
                    });
                }
            }
            _ => {}
        }
    }
    flush(&mut current, &mut out);
    out
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_lists_and_styles() {
        let blocks = blocks(
            "# Title\n\nSome **bold** and *italic* with [a link](https://x.test).\n\n1. one\n2. two\n   - nested\n",
        );
        assert_eq!(blocks[0].kind, Kind::Heading(1));
        assert_eq!(blocks[0].plain(), "Title");
        assert_eq!(blocks[1].plain(), "Some bold and italic with a link.");
        assert!(
            blocks[1]
                .runs
                .iter()
                .any(|r| r.text == "bold" && r.face == Face::Bold)
        );
        assert!(
            blocks[1]
                .runs
                .iter()
                .any(|r| r.text == "italic" && r.face == Face::Italic)
        );
        assert_eq!(
            blocks[2].kind,
            Kind::Item {
                depth: 1,
                marker: "1.".into()
            }
        );
        assert_eq!(
            blocks[3].kind,
            Kind::Item {
                depth: 1,
                marker: "2.".into()
            }
        );
        assert_eq!(
            blocks[4].kind,
            Kind::Item {
                depth: 2,
                marker: "•".into()
            }
        );
        assert_eq!(blocks[4].plain(), "nested");
    }

    #[test]
    fn deep_nesting_is_capped() {
        let mut md = String::new();
        for depth in 0..200 {
            md.push_str(&"  ".repeat(depth));
            md.push_str("- item\n");
        }
        let blocks = blocks(&md);
        assert!(!blocks.is_empty());
        assert!(blocks.iter().all(|b| match b.kind {
            Kind::Item { depth, .. } => depth <= MAX_LIST_DEPTH,
            _ => true,
        }));
    }
}
