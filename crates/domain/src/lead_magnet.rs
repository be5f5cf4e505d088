//! The lead magnet library's rules: what a magnet must hold (a title and either an external
//! link or a stored file), how its text is cut into pieces for semantic search, and the one
//! folded text the plain match looks in.

use crate::search_text::fold;
use crate::validation::Collector;
use crate::{FileId, ValidationErrors};
use serde::{Deserialize, Serialize};

/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest description, in characters.
pub const MAX_DESCRIPTION: usize = 2_000;
/// The most tags, and the longest tag.
pub const MAX_TAGS: (usize, usize) = (20, 50);
/// The size of one search piece, in characters (pieces overlap by a tenth of this).
pub const CHUNK_CHARS: usize = 1_000;
/// The most pieces one magnet's text is cut into (the rest of a long document is not searched).
pub const MAX_CHUNKS: usize = 48;

/// Checks that `url` is a link a lead can open: http(s), no whitespace, at most 2,000
/// characters. Campaigns' inline magnets and the library share this rule.
pub fn check_link(c: &mut Collector, field: &str, url: &str) {
    let url = url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.len() > 2_000
        || url.contains(char::is_whitespace)
    {
        c.push(field, "must be an http(s) URL");
    }
}

/// Where a magnet's content is: a page elsewhere, or a file this workspace uploaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MagnetContent {
    /// An external link, sent as it is.
    Url(String),
    /// A stored file (purpose `lead_magnet`), reached through a tracked link.
    File(FileId),
}

/// The editable fields of a library magnet, as the API and the pages give them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MagnetFields {
    /// Shown to people and in DMs.
    pub title: String,
    /// What it is, for people and for search.
    pub description: String,
    /// Free labels to group and find magnets.
    pub tags: Vec<String>,
    /// The external link, when it is one.
    pub url: Option<String>,
    /// The stored file, when it is one.
    pub file_id: Option<FileId>,
}

impl MagnetFields {
    /// Checks every field (exactly one of `url` and `file_id`) and returns where the content
    /// is, with the title, description and tags trimmed.
    pub fn validate(mut self) -> Result<(Self, MagnetContent), ValidationErrors> {
        self.title = self.title.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.tags = self.tags.iter().map(|t| t.trim().to_owned()).collect();
        self.url = self
            .url
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        let mut c = Collector::default();
        c.text("title", &self.title, 1, MAX_TITLE);
        c.text("description", &self.description, 0, MAX_DESCRIPTION);
        c.list("tags", &self.tags, MAX_TAGS.0, MAX_TAGS.1);
        let content = match (&self.url, self.file_id) {
            (Some(url), None) => {
                check_link(&mut c, "url", url);
                Some(MagnetContent::Url(url.clone()))
            }
            (None, Some(file)) => Some(MagnetContent::File(file)),
            (Some(_), Some(_)) => {
                c.push("url", "give either url or file_id, not both");
                None
            }
            (None, None) => {
                c.push("url", "give an http(s) url or the file_id of an upload");
                None
            }
        };
        c.finish()?;
        let content = content.ok_or_else(|| ValidationErrors::single("url", "is required"))?;
        Ok((self, content))
    }

    /// The text a magnet is known by, before its document's text: title, description, tags.
    pub fn summary(&self) -> String {
        [
            self.title.as_str(),
            self.description.as_str(),
            &self.tags.join(", "),
        ]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
    }
}

/// The folded text the plain match looks in: the summary, then the document's text.
pub fn search_text(summary: &str, document: &str) -> String {
    fold(&format!("{summary}\n{document}"))
}

/// The pieces a magnet is searched by: its summary first, then its document's text cut into
/// overlapping pieces of about [`CHUNK_CHARS`] characters on word boundaries, at most
/// [`MAX_CHUNKS`] in all.
pub fn chunks(summary: &str, document: &str) -> Vec<String> {
    let mut out = vec![summary.to_owned()];
    let words: Vec<&str> = document.split_whitespace().collect();
    let mut start = 0;
    while start < words.len() && out.len() < MAX_CHUNKS {
        let mut end = start;
        let mut len = 0;
        while end < words.len() && (len == 0 || len + words[end].len() < CHUNK_CHARS) {
            len += words[end].len() + 1;
            end += 1;
        }
        out.push(words[start..end].join(" "));
        if end >= words.len() {
            break;
        }
        // Step back a little so a sentence cut in two is whole in one of the pieces.
        let overlap = (end - start) / 10;
        start = end - overlap.min(end - start - 1);
    }
    out
}

/// How a magnet is stored in its `url` column when it is a file: empty.
pub fn stored_url(content: &MagnetContent) -> &str {
    match content {
        MagnetContent::Url(u) => u,
        MagnetContent::File(_) => "",
    }
}

/// A magnet's tags as stored (a JSON list) and back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tags(pub Vec<String>);

impl TryFrom<String> for Tags {
    type Error = serde_json::Error;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> MagnetFields {
        MagnetFields {
            title: " Hiring checklist ".into(),
            url: Some("https://acme.io/h".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_magnet_is_a_url_or_a_file_never_both_nor_neither() {
        let (f, content) = fields().validate().unwrap();
        assert_eq!(f.title, "Hiring checklist");
        assert_eq!(content, MagnetContent::Url("https://acme.io/h".into()));
        let both = MagnetFields {
            file_id: Some(FileId::new()),
            ..fields()
        };
        assert_eq!(both.validate().unwrap_err().0[0].field, "url");
        let neither = MagnetFields {
            url: None,
            ..fields()
        };
        assert_eq!(neither.validate().unwrap_err().0[0].field, "url");
        let bad = MagnetFields {
            url: Some("javascript:alert(1)".into()),
            title: "".into(),
            ..fields()
        };
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["title", "url"]);
    }

    #[test]
    fn long_text_is_cut_into_overlapping_bounded_pieces() {
        let doc = (0..3_000)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let pieces = chunks("Title", &doc);
        assert_eq!(pieces[0], "Title");
        assert!(pieces.len() > 5 && pieces.len() <= MAX_CHUNKS);
        assert!(pieces[1..].iter().all(|p| p.len() <= CHUNK_CHARS));
        let last_of_first = pieces[1].split(' ').next_back().unwrap();
        assert!(pieces[2].contains(last_of_first), "pieces overlap");
        assert_eq!(chunks("T", "  ").len(), 1);
    }
}
