//! A post's attachments: images, or one PDF shown as a document (a carousel), in the order
//! LinkedIn shows them; and LinkedIn's limits on them, checked before anything is stored so
//! that a post that reaches the approval queue can be published as it looks.

use crate::ValidationErrors;
use serde::{Deserialize, Serialize};

/// The most images one post carries.
pub const MAX_IMAGES: usize = 9;

/// The longest alternative text of an attachment, in characters.
pub const MAX_ALT_TEXT: usize = 1000;

/// The longest prompt for a generated image, in characters.
pub const MAX_IMAGE_PROMPT: usize = 4000;

/// What an attachment is shown as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PostMediaKind {
    /// A picture (PNG, JPEG, GIF, WebP).
    Image,
    /// A PDF shown page by page (a carousel).
    Document,
}

impl PostMediaKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::Image, Self::Document];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Document => "document",
        }
    }

    /// The kind a file of `content_type` is attached as; `None` for a type a post cannot
    /// carry.
    pub fn of_content_type(content_type: &str) -> Option<Self> {
        match content_type {
            "image/png" | "image/jpeg" | "image/gif" | "image/webp" => Some(Self::Image),
            "application/pdf" => Some(Self::Document),
            _ => None,
        }
    }
}

crate::stored_name::stored_names!(PostMediaKind, "post media kind");

/// Checks that a post that already has attachments of `existing` kinds can take one more of
/// `adding`: up to [`MAX_IMAGES`] images, or a single document, never both. Errors name
/// `field` (the input that brought the new attachment).
pub fn check_addition(
    existing: &[PostMediaKind],
    adding: PostMediaKind,
    field: &str,
) -> Result<(), ValidationErrors> {
    let images = existing
        .iter()
        .filter(|k| **k == PostMediaKind::Image)
        .count();
    let documents = existing.len() - images;
    let refusal = match adding {
        PostMediaKind::Document if images > 0 => {
            Some("a post carries images or one document, not both; remove the images first")
        }
        PostMediaKind::Document if documents > 0 => Some("a post carries one document at most"),
        PostMediaKind::Image if documents > 0 => {
            Some("a post carries images or one document, not both; remove the document first")
        }
        PostMediaKind::Image if images >= MAX_IMAGES => Some("a post carries 9 images at most"),
        _ => None,
    };
    match refusal {
        Some(message) => Err(ValidationErrors::single(field, message)),
        None => Ok(()),
    }
}

/// Checks an attachment's alternative text (at most [`MAX_ALT_TEXT`] characters).
pub fn check_alt_text(alt: &str) -> Result<(), ValidationErrors> {
    if alt.chars().count() > MAX_ALT_TEXT {
        return Err(ValidationErrors::single(
            "alt_text",
            format!("must be at most {MAX_ALT_TEXT} characters"),
        ));
    }
    Ok(())
}

/// Checks that `order` names each of `current` exactly once (a reorder neither adds nor
/// drops an attachment).
pub fn check_order<T: PartialEq>(current: &[T], order: &[T]) -> Result<(), ValidationErrors> {
    let complete = order.len() == current.len()
        && current
            .iter()
            .all(|c| order.iter().filter(|o| *o == c).count() == 1);
    if !complete {
        return Err(ValidationErrors::single(
            "media_ids",
            "must list each of the post's attachments exactly once",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::PostMediaKind::{Document, Image};
    use super::*;

    #[test]
    fn up_to_nine_images_or_one_document() {
        assert!(check_addition(&[], Image, "file_id").is_ok());
        assert!(check_addition(&[], Document, "file_id").is_ok());
        assert!(check_addition(&[Image; 8], Image, "file_id").is_ok());
        let err = check_addition(&[Image; 9], Image, "file_id").unwrap_err();
        assert_eq!(err.0[0].field, "file_id");
        assert!(check_addition(&[Document], Document, "file_id").is_err());
        assert!(check_addition(&[Document], Image, "file_id").is_err());
        assert!(check_addition(&[Image], Document, "prompt").is_err());
    }

    #[test]
    fn kinds_come_from_content_types() {
        assert_eq!(PostMediaKind::of_content_type("image/png"), Some(Image));
        assert_eq!(
            PostMediaKind::of_content_type("application/pdf"),
            Some(Document)
        );
        assert_eq!(PostMediaKind::of_content_type("text/plain"), None);
        assert_eq!("document".parse::<PostMediaKind>(), Ok(Document));
    }

    #[test]
    fn a_reorder_names_each_attachment_once() {
        assert!(check_order(&[1, 2, 3], &[3, 1, 2]).is_ok());
        assert!(check_order(&[1, 2, 3], &[3, 1]).is_err());
        assert!(check_order(&[1, 2, 3], &[3, 1, 1]).is_err());
        assert!(check_order(&[1, 2], &[1, 2, 4]).is_err());
    }

    #[test]
    fn alt_text_is_bounded() {
        assert!(check_alt_text(&"a".repeat(MAX_ALT_TEXT)).is_ok());
        assert!(check_alt_text(&"a".repeat(MAX_ALT_TEXT + 1)).is_err());
    }
}
