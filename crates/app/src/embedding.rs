//! The one place embeddings are made. Today every vector comes from the local hashed n-gram
//! embedder (offline mode); a remote OpenAI-compatible embedder plugs in here when one is
//! configured. Each vector travels with its model's name, and callers compare only vectors
//! of the same model.

use crate::{App, Result};
use revos_domain::TenantId;
use revos_domain::embedding::{LOCAL_MODEL, embed};

/// Vectors for a list of texts, in the same order, and the model that made them.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddedTexts {
    /// The embedding model's name, stored beside every vector.
    pub model: String,
    /// One vector per text.
    pub vectors: Vec<Vec<f32>>,
}

impl App {
    /// Embeds `texts` for `tenant` with the embedding model in effect for it.
    pub async fn embed_texts(&self, tenant: TenantId, texts: &[String]) -> Result<EmbeddedTexts> {
        let _ = tenant; // The tenant will choose a remote model from its vault settings.
        Ok(EmbeddedTexts {
            model: LOCAL_MODEL.to_owned(),
            vectors: texts.iter().map(|t| embed(t)).collect(),
        })
    }
}
