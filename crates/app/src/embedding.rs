//! The one place embeddings are made: the tenant's OpenAI-compatible embedding model when a
//! model is configured (each call recorded with its tokens and cost), else the local hashed
//! n-gram embedder (offline mode). Each vector travels with its model's name, and callers
//! compare only vectors of the same model.

use crate::{App, AppError, Result};
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
    /// Embeds `texts` for `tenant` with the embedding model in effect for it. When the remote
    /// model fails (after its retries), or the workspace's budget on the instance's model is
    /// spent, the local embedder answers instead, so approving a post never fails for want
    /// of an embedding; the vectors say which model made them.
    pub async fn embed_texts(&self, tenant: TenantId, texts: &[String]) -> Result<EmbeddedTexts> {
        if texts.is_empty() {
            return Ok(EmbeddedTexts {
                model: LOCAL_MODEL.to_owned(),
                vectors: Vec::new(),
            });
        }
        if let Some(model) = self.language_model(tenant).await? {
            let answer = match self.check_llm_budget(tenant, &model).await {
                Ok(()) => model.client.embed(texts).await.map_err(AppError::from),
                Err(over) => Err(over),
            };
            match answer {
                Ok(e) if e.vectors.len() == texts.len() => {
                    self.record_llm_call(tenant, None, "embedding", &e.model, e.usage)
                        .await?;
                    return Ok(EmbeddedTexts {
                        model: e.model,
                        vectors: e.vectors,
                    });
                }
                Ok(e) => tracing::warn!(
                    asked = texts.len(),
                    got = e.vectors.len(),
                    "the embedding model answered the wrong number of vectors; using local embeddings"
                ),
                Err(err) => {
                    tracing::warn!(error = %err, "no remote embedding; using local embeddings")
                }
            }
        }
        Ok(EmbeddedTexts {
            model: LOCAL_MODEL.to_owned(),
            vectors: texts.iter().map(|t| embed(t)).collect(),
        })
    }
}
