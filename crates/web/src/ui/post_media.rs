//! A post's attachments on the pages: the images and documents shown in its LinkedIn-style
//! preview (the approval queue and the post page), served to the signed-in member from the
//! workspace's file storage (`img-src 'self'`).

use super::page_params::parse_id;
use super::render::UiError;
use super::session::Signed;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::{Value, context};
use revos_app::posts::PostMedia;
use revos_domain::FileId;
use revos_domain::files::FilePurpose;
use revos_domain::post_media::PostMediaKind;

/// The preview's view of attachments, in order.
pub(super) fn media_ctx<'a>(media: impl IntoIterator<Item = &'a PostMedia>) -> Vec<Value> {
    media
        .into_iter()
        .map(|m| {
            context! {
                url => format!("/post-media/{}", m.file_id),
                image => m.kind == PostMediaKind::Image,
                alt => m.alt_text.clone().unwrap_or_default(),
            }
        })
        .collect()
}

/// `GET /post-media/{file_id}`: a post image of the member's workspace, shown inline (a PDF
/// document is downloaded instead); any other file, or another workspace's, is 404.
pub(super) async fn serve(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let id = FileId(parse_id(&id, "file")?);
    let (file, bytes) = state.app.file_bytes(signed.who.tenant, id).await?;
    if file.purpose != FilePurpose::PostImage {
        return Err(revos_app::AppError::NotFound("file").into());
    }
    let disposition = match PostMediaKind::of_content_type(&file.content_type) {
        Some(PostMediaKind::Image) => "inline",
        _ => "attachment",
    };
    Ok(crate::routes::files::file_response(
        &file,
        bytes,
        disposition,
    ))
}
