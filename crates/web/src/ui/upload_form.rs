//! Reading a page's multipart form with one file: its text fields and the chosen file, under
//! the upload limit. Shared by the forms that upload (the lead magnet library, a cartridge's
//! knowledge documents).

use super::render::UiError;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use bytes::Bytes;
use std::collections::HashMap;

/// A file chosen in a form: its name, its content type and its bytes.
pub(super) struct ChosenFile {
    /// The name the browser sent.
    pub name: String,
    /// The content type the browser sent.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Bytes,
}

/// A multipart form read whole: its text fields and the file of the field `file`, when one
/// was chosen (a form's empty file field is no file).
pub(super) struct UploadForm {
    /// The text fields by name.
    pub fields: HashMap<String, String>,
    /// The chosen file.
    pub file: Option<ChosenFile>,
}

impl UploadForm {
    /// A text field's value, empty when absent.
    pub fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Reads `form`, refusing a file larger than `limit` bytes (413).
pub(super) async fn read(mut form: Multipart, limit: u64) -> Result<UploadForm, UiError> {
    let bad =
        |e: MultipartError| UiError::new(e.status(), format!("the form could not be read: {e}"));
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let content_type = field.content_type().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(bad)?;
            if bytes.len() as u64 > limit {
                return Err(UiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the file is larger than the limit of {limit} bytes"),
                ));
            }
            if !file_name.is_empty() && !bytes.is_empty() {
                file = Some(ChosenFile {
                    name: file_name,
                    content_type,
                    bytes,
                });
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            fields.insert(name, text);
        }
    }
    Ok(UploadForm { fields, file })
}
