//! A post's attachments (post graphics): an uploaded file, an image generated through the
//! workspace's OpenAI-compatible images API (cost recorded like every model call), or a card
//! rendered offline from the post's text; removed and reordered while the post is a draft or
//! awaiting approval, within LinkedIn's limits (up to 9 images, or one PDF document).
//! Each attachment owns its stored file: removing the one deletes the other.

use super::changed_meanwhile;
use crate::{App, AppError, Principal, Result};
use bytes::Bytes;
use revos_domain::files::FilePurpose;
use revos_domain::post::PostStatus;
use revos_domain::post_media::{
    MAX_IMAGE_PROMPT, PostMediaKind, check_addition, check_alt_text, check_order,
};
use revos_domain::{FileId, TenantId, ValidationErrors};
use revos_providers::PostAttachment;
use revos_store::post_media::{self as store, PostMediaRow};
use revos_store::posts;
use serde::Deserialize;
use uuid::Uuid;

/// An attachment of a post, as the API shows it.
pub use revos_store::post_media::PostMediaRow as PostMedia;

/// The image sizes the images API takes.
const IMAGE_SIZES: &[&str] = &[
    "1024x1024",
    "1536x1024",
    "1024x1536",
    "1792x1024",
    "1024x1792",
    "auto",
];

/// An uploaded file (`POST /api/v1/files` with purpose `post_image`) to attach.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AttachFile {
    /// The file.
    pub file_id: Uuid,
    /// Alternative text (at most 1000 characters).
    #[serde(default)]
    pub alt_text: Option<String>,
}

/// An image to generate for a post.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GenerateImage {
    /// What the image should show (at most 4000 characters).
    pub prompt: String,
    /// `1024x1024` (the default), `1536x1024`, `1024x1536`, `1792x1024`, `1024x1792` or
    /// `auto`.
    #[serde(default)]
    pub size: Option<String>,
    /// Alternative text; the prompt when absent.
    #[serde(default)]
    pub alt_text: Option<String>,
}

/// How a card is drawn from a post's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardStyle {
    /// One 1080x1080 PNG with the text as a quote.
    Quote,
    /// A PDF document post: one 1080x1350 slide per paragraph or heading.
    Carousel,
}

/// A card to render offline from a post's text, in its cartridge's brand.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenderCard {
    /// `quote` or `carousel`.
    pub style: CardStyle,
    /// The text to draw (at most 4000 characters); the post's text when absent.
    #[serde(default)]
    pub text: Option<String>,
    /// Alternative text; the drawn text when absent.
    #[serde(default)]
    pub alt_text: Option<String>,
}

/// A new order of a post's attachments.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MediaOrder {
    /// Every attachment id of the post, in the new order.
    pub media_ids: Vec<Uuid>,
}

/// The file content type of an image's bytes (PNG unless they say JPEG or WebP).
fn image_content_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        "image/png"
    }
}

fn not_editable(status: PostStatus) -> AppError {
    AppError::Conflict(format!(
        "attachments change only while a post is draft or pending_approval; this one is {}",
        status.as_str()
    ))
}

impl App {
    /// The attachments of post `id` of the caller's workspace, in order.
    pub async fn post_media(&self, who: &Principal, id: Uuid) -> Result<Vec<PostMedia>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        self.read_post(&mut tx, who.tenant, id).await?;
        let rows = store::of_post(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The attachments of the posts of `tenant` whose ids lie between `first` and `last` (a
    /// page listed by id), in one query.
    pub async fn media_of_posts(
        &self,
        tenant: TenantId,
        first: Uuid,
        last: Uuid,
    ) -> Result<Vec<PostMedia>> {
        let mut tx = self.store.begin_read_for(tenant).await?;
        let rows = store::of_posts_between(&mut tx, tenant, first, last).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Checks that post `id` can take one more attachment of `kind` now (before a costly
    /// generation); the same checks run again when it is attached.
    async fn check_media_room(
        &self,
        tenant: TenantId,
        id: Uuid,
        kind: PostMediaKind,
        field: &str,
    ) -> Result<()> {
        let mut tx = self.store.begin_read_for(tenant).await?;
        let post = self.read_post(&mut tx, tenant, id).await?;
        if !matches!(post.status, PostStatus::Draft | PostStatus::PendingApproval) {
            return Err(not_editable(post.status));
        }
        let kinds: Vec<_> = store::of_post(&mut tx, tenant, id)
            .await?
            .iter()
            .map(|m| m.kind)
            .collect();
        tx.commit().await?;
        check_addition(&kinds, kind, field)?;
        Ok(())
    }

    /// Attaches stored file `file` to post `id` as its last attachment, if the post is still
    /// editable and has room (checked with the post's row locked).
    async fn attach_stored(
        &self,
        tenant: TenantId,
        id: Uuid,
        file: &crate::files::StoredFile,
        alt_text: Option<String>,
        field: &str,
    ) -> Result<PostMedia> {
        if file.purpose != FilePurpose::PostImage {
            return Err(ValidationErrors::single(
                field,
                "must be a file uploaded with purpose post_image",
            )
            .into());
        }
        let Some(kind) = PostMediaKind::of_content_type(&file.content_type) else {
            return Err(ValidationErrors::single(
                field,
                format!("a post cannot carry {}", file.content_type),
            )
            .into());
        };
        let now = self.now();
        let mut tx = self.store.begin_for(tenant).await?;
        let post = self.read_post(&mut tx, tenant, id).await?;
        if !posts::lock_for_media(&mut tx, tenant, id, now).await? {
            return Err(not_editable(post.status));
        }
        let existing = store::of_post(&mut tx, tenant, id).await?;
        if existing.iter().any(|m| m.file_id == file.id) {
            return Err(ValidationErrors::single(field, "is already attached to this post").into());
        }
        let kinds: Vec<_> = existing.iter().map(|m| m.kind).collect();
        check_addition(&kinds, kind, field)?;
        let row = PostMediaRow {
            id: Uuid::now_v7(),
            post_id: id,
            file_id: file.id,
            position: existing.iter().map(|m| m.position + 1).max().unwrap_or(0),
            kind,
            alt_text,
            created_at: now,
        };
        store::insert(&mut tx, tenant, &row)
            .await
            .map_err(|e| match e {
                // The file is attached elsewhere (one attachment per file).
                revos_store::StoreError::Conflict(_) => {
                    ValidationErrors::single(field, "is already attached to a post").into()
                }
                other => AppError::from(other),
            })?;
        tx.commit().await?;
        Ok(row)
    }

    /// Attaches an uploaded `post_image` file to post `id`.
    pub async fn attach_post_file(
        &self,
        who: &Principal,
        id: Uuid,
        input: AttachFile,
    ) -> Result<PostMedia> {
        if let Some(alt) = &input.alt_text {
            check_alt_text(alt)?;
        }
        // Another workspace's post is 404 before anything is said about the file.
        {
            let mut tx = self.store.begin_read_for(who.tenant).await?;
            self.read_post(&mut tx, who.tenant, id).await?;
            tx.commit().await?;
        }
        let file = match self.file(who.tenant, FileId(input.file_id)).await {
            Err(AppError::NotFound(_)) => {
                return Err(
                    ValidationErrors::single("file_id", "no such file in this workspace").into(),
                );
            }
            other => other?,
        };
        self.attach_stored(who.tenant, id, &file, input.alt_text, "file_id")
            .await
    }

    /// Generates an image for post `id` with the workspace's image model and attaches it;
    /// the call is recorded with its cost. Offline workspaces (no model) are told to render
    /// a card or upload an image instead.
    pub async fn generate_post_image(
        &self,
        who: &Principal,
        id: Uuid,
        input: GenerateImage,
    ) -> Result<PostMedia> {
        let mut errors = revos_domain::validation::Collector::default();
        errors.text("prompt", &input.prompt, 1, MAX_IMAGE_PROMPT);
        let size = input.size.as_deref().unwrap_or("1024x1024");
        if !IMAGE_SIZES.contains(&size) {
            errors.push("size", format!("must be one of {}", IMAGE_SIZES.join(", ")));
        }
        if let Some(alt) = &input.alt_text
            && let Err(e) = check_alt_text(alt)
        {
            errors.merge(e);
        }
        errors.finish()?;
        self.check_media_room(who.tenant, id, PostMediaKind::Image, "prompt")
            .await?;
        let Some(model) = self.language_model(who.tenant).await? else {
            return Err(AppError::Conflict(
                "no model is configured for this workspace (offline): render a card with \
                 POST /api/v1/posts/{id}/media/card or upload an image instead"
                    .into(),
            ));
        };
        self.check_llm_budget(who.tenant, &model).await?;
        let prompt = input.prompt.trim();
        let image = model
            .client
            .generate_image(&model.image_model, prompt, size)
            .await?;
        self.record_image_call(who.tenant, "post_image", &image.model, 1, image.usage)
            .await?;
        let content_type = image_content_type(&image.bytes);
        let extension = content_type.trim_start_matches("image/");
        let file = self
            .store_file(
                who.tenant,
                FilePurpose::PostImage,
                &format!("generated-image.{extension}"),
                content_type,
                image.bytes,
            )
            .await?;
        let alt = input
            .alt_text
            .unwrap_or_else(|| prompt.chars().take(1000).collect());
        self.attach_or_forget(who.tenant, id, &file, Some(alt), "prompt")
            .await
    }

    /// Renders a quote card (PNG) or a carousel (PDF document) from post `id`'s text (or the
    /// text given) in its cartridge's brand, offline, outside any transaction and under the
    /// rendering budget, and attaches it.
    pub async fn render_post_card(
        &self,
        who: &Principal,
        id: Uuid,
        input: RenderCard,
    ) -> Result<PostMedia> {
        let mut errors = revos_domain::validation::Collector::default();
        if let Some(text) = &input.text {
            errors.text("text", text, 1, MAX_IMAGE_PROMPT);
        }
        if let Some(alt) = &input.alt_text
            && let Err(e) = check_alt_text(alt)
        {
            errors.merge(e);
        }
        errors.finish()?;
        let post = {
            let mut tx = self.store.begin_read_for(who.tenant).await?;
            let post = self.read_post(&mut tx, who.tenant, id).await?;
            tx.commit().await?;
            post
        };
        let kind = match input.style {
            CardStyle::Quote => PostMediaKind::Image,
            CardStyle::Carousel => PostMediaKind::Document,
        };
        self.check_media_room(who.tenant, id, kind, "style").await?;
        let text = input.text.unwrap_or_else(|| post.body.clone());
        if text.trim().is_empty() {
            return Err(ValidationErrors::single("text", "the post has no text to draw").into());
        }
        let (brand, author) = match post.cartridge_id {
            Some(c) => {
                let cartridge = self
                    .get_cartridge(who, revos_domain::CartridgeId(c))
                    .await?;
                let brand = self
                    .render_brand(who.tenant, cartridge.spec.brand.as_ref())
                    .await?;
                (brand, cartridge.spec.name.clone())
            }
            None => (revos_render::Brand::default(), String::new()),
        };
        let style = input.style;
        let drawn = text.clone();
        let render = crate::cpu::run(move || match style {
            CardStyle::Quote => revos_render::quote_card_png(&drawn, &brand, &author),
            CardStyle::Carousel => revos_render::carousel_pdf(&drawn, &brand),
        });
        let bytes = tokio::time::timeout(crate::guides::RENDER_BUDGET, render)
            .await
            .map_err(|_| AppError::Internal("rendering the card took too long".into()))??
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let (name, content_type) = match input.style {
            CardStyle::Quote => ("quote-card.png", "image/png"),
            CardStyle::Carousel => ("carousel.pdf", "application/pdf"),
        };
        let file = self
            .store_file(
                who.tenant,
                FilePurpose::PostImage,
                name,
                content_type,
                Bytes::from(bytes),
            )
            .await?;
        let alt = input
            .alt_text
            .unwrap_or_else(|| text.chars().take(1000).collect());
        self.attach_or_forget(who.tenant, id, &file, Some(alt), "style")
            .await
    }

    /// Attaches a file made for this attachment; deletes it again if it cannot be attached.
    pub(crate) async fn attach_or_forget(
        &self,
        tenant: TenantId,
        id: Uuid,
        file: &crate::files::StoredFile,
        alt_text: Option<String>,
        field: &str,
    ) -> Result<PostMedia> {
        match self.attach_stored(tenant, id, file, alt_text, field).await {
            Ok(media) => Ok(media),
            Err(e) => {
                if let Err(cleanup) = self.delete_file(tenant, file.file_id()).await {
                    tracing::warn!(%tenant, error = %cleanup, "an unattached file was not deleted");
                }
                Err(e)
            }
        }
    }

    /// Removes attachment `media` from post `id` and deletes its file.
    pub async fn remove_post_media(&self, who: &Principal, id: Uuid, media: Uuid) -> Result<()> {
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let post = self.read_post(&mut tx, who.tenant, id).await?;
        if !posts::lock_for_media(&mut tx, who.tenant, id, now).await? {
            return Err(not_editable(post.status));
        }
        let Some(file) = store::delete(&mut tx, who.tenant, id, media).await? else {
            return Err(AppError::NotFound("attachment"));
        };
        tx.commit().await?;
        match self.delete_file(who.tenant, FileId(file)).await {
            Ok(()) | Err(AppError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Puts the attachments of post `id` in the order `order` names them.
    pub async fn reorder_post_media(
        &self,
        who: &Principal,
        id: Uuid,
        order: MediaOrder,
    ) -> Result<Vec<PostMedia>> {
        let now = self.now();
        let mut tx = self.store.begin_for(who.tenant).await?;
        let post = self.read_post(&mut tx, who.tenant, id).await?;
        if !posts::lock_for_media(&mut tx, who.tenant, id, now).await? {
            return Err(not_editable(post.status));
        }
        let current: Vec<Uuid> = store::of_post(&mut tx, who.tenant, id)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        check_order(&current, &order.media_ids)?;
        for (position, media) in order.media_ids.iter().enumerate() {
            let position = i32::try_from(position).map_err(|_| changed_meanwhile())?;
            store::set_position(&mut tx, who.tenant, id, *media, position).await?;
        }
        let rows = store::of_post(&mut tx, who.tenant, id).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// The attachments of post `id` with their bytes, in order, to publish with it.
    pub(super) async fn attachments_to_publish(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Vec<PostAttachment>> {
        let rows = {
            let mut tx = self.store.begin_read_for(tenant).await?;
            let rows = store::of_post(&mut tx, tenant, id).await?;
            tx.commit().await?;
            rows
        };
        let mut attachments = Vec::with_capacity(rows.len());
        for row in rows {
            let (file, bytes): (_, Bytes) = self.file_bytes(tenant, FileId(row.file_id)).await?;
            attachments.push(PostAttachment {
                name: file.name,
                content_type: file.content_type,
                bytes,
            });
        }
        Ok(attachments)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn image_types_come_from_the_bytes() {
        assert_eq!(
            super::image_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            "image/jpeg"
        );
        assert_eq!(
            super::image_content_type(b"RIFF\0\0\0\0WEBPVP8 "),
            "image/webp"
        );
        assert_eq!(super::image_content_type(b"\x89PNG\r\n\x1a\n"), "image/png");
    }
}
