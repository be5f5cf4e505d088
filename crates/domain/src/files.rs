//! The rules for a workspace's files (uploaded lead magnets, knowledge documents, post
//! images, logos, rendered guides): what each purpose may hold, what a file name may be, and
//! what a file's bytes really are. An upload names its type; RevOS believes the bytes, so a
//! script renamed `guide.pdf` is refused rather than served back to a browser.

use serde::{Deserialize, Serialize};

use crate::stored_name::stored_names;

/// What a file is for: decides which content types it may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FilePurpose {
    /// A lead magnet's file (a PDF guide, a template, a checklist).
    LeadMagnet,
    /// A cartridge's knowledge document, read into drafting.
    Knowledge,
    /// An image or document attached to a post.
    PostImage,
    /// A cartridge's logo.
    Logo,
    /// A guide RevOS rendered to PDF.
    GeneratedGuide,
}

impl FilePurpose {
    /// Every purpose.
    pub const ALL: [Self; 5] = [
        Self::LeadMagnet,
        Self::Knowledge,
        Self::PostImage,
        Self::Logo,
        Self::GeneratedGuide,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeadMagnet => "lead_magnet",
            Self::Knowledge => "knowledge",
            Self::PostImage => "post_image",
            Self::Logo => "logo",
            Self::GeneratedGuide => "generated_guide",
        }
    }

    /// The kinds of content a file of this purpose may hold.
    pub fn allowed(self) -> &'static [FileKind] {
        use FileKind::*;
        match self {
            Self::LeadMagnet => &[Pdf, Png, Jpeg, Zip, Docx, Xlsx, Pptx, Markdown, Text, Csv],
            Self::Knowledge => &[Pdf, Markdown, Text, Csv, Docx],
            Self::PostImage => &[Png, Jpeg, Gif, Webp, Pdf],
            Self::Logo => &[Png, Jpeg],
            Self::GeneratedGuide => &[Pdf],
        }
    }
}

stored_names!(FilePurpose, "file purpose");

/// A content type RevOS accepts, known by its media type and recognised by its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `application/pdf`.
    Pdf,
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
    /// `image/gif`.
    Gif,
    /// `image/webp`.
    Webp,
    /// `application/zip`.
    Zip,
    /// A Word document (a zip container).
    Docx,
    /// An Excel workbook (a zip container).
    Xlsx,
    /// A PowerPoint deck (a zip container).
    Pptx,
    /// `text/markdown`.
    Markdown,
    /// `text/plain`.
    Text,
    /// `text/csv`.
    Csv,
}

impl FileKind {
    const ALL: [Self; 12] = [
        Self::Pdf,
        Self::Png,
        Self::Jpeg,
        Self::Gif,
        Self::Webp,
        Self::Zip,
        Self::Docx,
        Self::Xlsx,
        Self::Pptx,
        Self::Markdown,
        Self::Text,
        Self::Csv,
    ];

    /// The media type a file of this kind is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Zip => "application/zip",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Self::Markdown => "text/markdown",
            Self::Text => "text/plain",
            Self::Csv => "text/csv",
        }
    }

    /// The kind a media type names (parameters such as `; charset=utf-8` ignored), if any.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let mime = media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let mime = match mime.as_str() {
            "image/jpg" => "image/jpeg",
            "text/x-markdown" => "text/markdown",
            "application/x-zip-compressed" => "application/zip",
            other => other,
        };
        Self::ALL.into_iter().find(|k| k.media_type() == mime)
    }

    /// Whether `bytes` look like a file of this kind: the format's signature for binary
    /// kinds, valid UTF-8 without NUL bytes for text.
    pub fn matches(self, bytes: &[u8]) -> bool {
        match self {
            Self::Pdf => bytes.starts_with(b"%PDF-"),
            Self::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            Self::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
            Self::Gif => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
            Self::Webp => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
            Self::Zip | Self::Docx | Self::Xlsx | Self::Pptx => bytes.starts_with(b"PK\x03\x04"),
            Self::Markdown | Self::Text | Self::Csv => {
                !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()
            }
        }
    }
}

/// Why a file is refused; each names the field the API reports it on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    /// The name is empty, too long, or could be read as a path.
    #[error(
        "must be a plain file name (no '/', '\\', '..' or control characters, at most 200 bytes)"
    )]
    Name,
    /// The content type is not one this purpose accepts.
    #[error("{0:?} is not accepted here; allowed: {1}")]
    Type(String, String),
    /// The bytes are not what the content type says.
    #[error("the file's content is not {0}")]
    Content(&'static str),
    /// The file is empty.
    #[error("the file is empty")]
    Empty,
    /// The file is larger than the limit.
    #[error("the file is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit (`REVOS_MAX_UPLOAD_MB`).
        limit: u64,
    },
}

impl FileRefusal {
    /// The request field the refusal concerns.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Type(..) => "content_type",
            Self::Content(_) | Self::Empty | Self::TooLarge { .. } => "file",
        }
    }
}

/// Checks a file's name: a plain name, never a path, so it can be shown and offered as a
/// download name without surprises. Returns it trimmed.
pub fn check_name(name: &str) -> Result<String, FileRefusal> {
    let name = name.trim();
    let bad = name.is_empty()
        || name.len() > 200
        || name == "."
        || name.contains("..")
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c == ':' || c.is_control());
    match bad {
        true => Err(FileRefusal::Name),
        false => Ok(name.to_owned()),
    }
}

/// Checks an upload for `purpose`: its name, size, content type and that the bytes are of
/// that type. Returns the kind, whose media type is what the file is served with.
pub fn check_upload(
    purpose: FilePurpose,
    name: &str,
    content_type: &str,
    bytes: &[u8],
    limit: u64,
) -> Result<(String, FileKind), FileRefusal> {
    let name = check_name(name)?;
    if bytes.is_empty() {
        return Err(FileRefusal::Empty);
    }
    if bytes.len() as u64 > limit {
        return Err(FileRefusal::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    let allowed = || {
        purpose
            .allowed()
            .iter()
            .map(|k| k.media_type())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind = FileKind::from_media_type(content_type)
        .filter(|k| purpose.allowed().contains(k))
        .ok_or_else(|| FileRefusal::Type(content_type.to_owned(), allowed()))?;
    if !kind.matches(bytes) {
        return Err(FileRefusal::Content(kind.media_type()));
    }
    Ok((name, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n rest";

    #[test]
    fn names_that_could_be_paths_are_refused() {
        for bad in [
            "", " ", "../x.pdf", "a/b.pdf", "a\\b.pdf", "..", ".", "x\0.pdf", "c:boot",
        ] {
            assert_eq!(check_name(bad), Err(FileRefusal::Name), "{bad:?}");
        }
        assert_eq!(check_name(&"a".repeat(201)), Err(FileRefusal::Name));
        assert_eq!(check_name(" Guide v2.pdf ").unwrap(), "Guide v2.pdf");
    }

    #[test]
    fn the_bytes_must_be_what_the_type_says() {
        let p = FilePurpose::PostImage;
        assert_eq!(
            check_upload(p, "a.png", "image/png", PNG, 100).unwrap().1,
            FileKind::Png
        );
        assert_eq!(
            check_upload(p, "a.png", "image/png", b"<script>", 100),
            Err(FileRefusal::Content("image/png"))
        );
        let e = check_upload(p, "a.html", "text/html", b"<p>", 100).unwrap_err();
        assert_eq!(e.field(), "content_type");
        assert!(e.to_string().contains("image/png"), "{e}");
    }

    #[test]
    fn size_limits_and_empty_files() {
        let p = FilePurpose::PostImage;
        let e = check_upload(p, "a.png", "image/png", PNG, 4).unwrap_err();
        assert_eq!(e, FileRefusal::TooLarge { size: 13, limit: 4 });
        assert_eq!(e.field(), "file");
        assert_eq!(
            check_upload(p, "a.png", "image/png", b"", 4),
            Err(FileRefusal::Empty)
        );
    }

    #[test]
    fn purposes_limit_types_and_parameters_are_ignored() {
        assert!(
            check_upload(
                FilePurpose::Knowledge,
                "n.md",
                "text/markdown; charset=utf-8",
                b"# Hi",
                10
            )
            .is_ok()
        );
        assert!(check_upload(FilePurpose::Logo, "n.md", "text/markdown", b"# Hi", 10).is_err());
        assert!(!FileKind::Text.matches(&[0xff, 0xfe]));
        for p in FilePurpose::ALL {
            assert_eq!(p.as_str().parse::<FilePurpose>(), Ok(p));
        }
    }
}
