//! A cartridge's knowledge (the design's FileSearch): documents a workspace uploads for a
//! client, kept as files (purpose `knowledge`), cut into passages by
//! [`revos_domain::knowledge::chunk`] and embedded with the cartridge memory's machinery
//! ([`App::embed_texts`]: remote when a model is configured, local otherwise). The most
//! relevant passages are found by exact cosine over one cartridge's passages and go into
//! drafting and the `search_knowledge` tool, always as data (see
//! [`revos_domain::untrusted`]).

use crate::files::StoredFile;
use crate::memory::load_spec;
use crate::pdf_text;
use crate::{App, AppError, Principal, Result};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use revos_domain::embedding::{cosine, from_le_bytes, to_le_bytes};
use revos_domain::files::FilePurpose;
use revos_domain::knowledge::chunk;
use revos_domain::validation::Collector;
use revos_domain::{CartridgeId, UserId, ValidationErrors};
use revos_store::knowledge::{self as store, ChunkRow, DocumentRow};
use serde::Serialize;
use uuid::Uuid;

/// The most passages one search returns.
pub const MAX_PASSAGES: usize = 20;

/// A knowledge document as the API shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgeDocument {
    /// Its id.
    pub id: Uuid,
    /// The cartridge it informs.
    pub cartridge_id: CartridgeId,
    /// The original upload (`GET /api/v1/files/{id}/content`); `null` once that file is gone.
    pub file_id: Option<Uuid>,
    /// Its file name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// How many passages it was cut into.
    pub chunks: i64,
    /// Who uploaded it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<DocumentRow> for KnowledgeDocument {
    fn from(r: DocumentRow) -> Self {
        Self {
            id: r.id,
            cartridge_id: CartridgeId(r.cartridge_id),
            file_id: r.file_id,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            chunks: r.chunks,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
        }
    }
}

/// A passage of a knowledge document and how well it matches a query.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnowledgePassage {
    /// The document it is from.
    pub document_id: Uuid,
    /// That document's file name.
    pub document_name: String,
    /// The passage's text (written by whoever wrote the document: data, not instructions).
    pub text: String,
    /// Cosine similarity to the query, -1 to 1.
    pub score: f32,
}

/// The text of an upload, for the media types whose text RevOS reads: text, Markdown and CSV
/// as they are, a PDF's text layer (a scanned PDF has none and is refused). Word files are
/// refused (no reader for them in the build yet), naming the field.
async fn text_of(file: &StoredFile, bytes: Bytes) -> Result<String, ValidationErrors> {
    match file.content_type.as_str() {
        "text/plain" | "text/markdown" | "text/csv" => String::from_utf8(bytes.to_vec())
            .map(|t| t.trim_start_matches('\u{feff}').to_owned())
            .map_err(|_| ValidationErrors::single("file", "must be UTF-8 text")),
        "application/pdf" => {
            let text = pdf_text::extract(bytes).await;
            if text.trim().is_empty() {
                Err(ValidationErrors::single(
                    "file",
                    "no text could be read from this PDF (a scanned document, or a damaged \
                     file): upload a PDF with a text layer, or its text as a text file",
                ))
            } else {
                Ok(text)
            }
        }
        other => Err(ValidationErrors::single(
            "file",
            format!(
                "{other} documents cannot be read yet: upload PDF, text, Markdown or CSV (e.g. \
                 the document saved as PDF)"
            ),
        )),
    }
}

impl App {
    /// Adds a document to a cartridge's knowledge: the file is checked and kept (purpose
    /// `knowledge`), its text cut into passages and each passage embedded. A document whose
    /// text cannot be read is refused and its file removed again.
    pub async fn add_knowledge(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        name: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> Result<KnowledgeDocument> {
        {
            let mut tx = self.store.begin_read_for(who.tenant).await?;
            load_spec(&mut tx, who, cartridge).await?;
        }
        let file = self
            .store_file(
                who.tenant,
                FilePurpose::Knowledge,
                name,
                content_type,
                bytes.clone(),
            )
            .await?;
        match self.index_knowledge(who, cartridge, &file, bytes).await {
            Ok(doc) => Ok(doc),
            Err(e) => {
                if let Err(gone) = self.delete_file(who.tenant, file.file_id()).await {
                    tracing::warn!(error = %gone, "an unreadable knowledge file was not removed");
                }
                Err(e)
            }
        }
    }

    async fn index_knowledge(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        file: &StoredFile,
        bytes: Bytes,
    ) -> Result<KnowledgeDocument> {
        let text = text_of(file, bytes).await?;
        let passages = crate::cpu::run(move || chunk(&text)).await?;
        if passages.is_empty() {
            return Err(ValidationErrors::single("file", "the document has no text").into());
        }
        let embedded = self.embed_texts(who.tenant, &passages).await?;
        let doc = DocumentRow {
            id: Uuid::now_v7(),
            cartridge_id: cartridge.0,
            file_id: Some(file.id),
            name: file.name.clone(),
            content_type: file.content_type.clone(),
            size: file.size,
            chunks: passages.len() as i64,
            created_by: Some(who.user.0),
            created_at: self.now(),
        };
        let mut tx = self.store.begin_for(who.tenant).await?;
        load_spec(&mut tx, who, cartridge).await?;
        store::insert_document(&mut tx, who.tenant, &doc).await?;
        for (i, (body, vector)) in passages.into_iter().zip(embedded.vectors).enumerate() {
            let row = ChunkRow {
                id: Uuid::now_v7(),
                document_id: doc.id,
                cartridge_id: cartridge.0,
                ordinal: i as i64,
                body,
                embedding: to_le_bytes(&vector),
                embedding_model: embedded.model.clone(),
            };
            store::insert_chunk(&mut tx, who.tenant, &row).await?;
        }
        tx.commit().await?;
        Ok(doc.into())
    }

    /// A cartridge's knowledge documents, oldest first; 404 for another workspace's cartridge.
    pub async fn list_knowledge(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
    ) -> Result<Vec<KnowledgeDocument>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        load_spec(&mut tx, who, cartridge).await?;
        let rows = store::list_documents(&mut tx, who.tenant, cartridge).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Deletes a knowledge document with its passages and its file.
    pub async fn delete_knowledge(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        document: Uuid,
    ) -> Result<()> {
        let mut tx = self.store.begin_for(who.tenant).await?;
        load_spec(&mut tx, who, cartridge).await?;
        let row = store::delete_document(&mut tx, who.tenant, cartridge, document)
            .await?
            .ok_or(AppError::NotFound("knowledge document"))?;
        tx.commit().await?;
        if let Some(file) = row.file_id {
            match self
                .delete_file(who.tenant, revos_domain::FileId(file))
                .await
            {
                Ok(()) | Err(AppError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The `k` passages of a cartridge's knowledge most similar to `query`, best first.
    /// Passages embedded with another model than the current one are re-embedded (and saved)
    /// first, so only vectors of one model are compared.
    pub async fn search_knowledge(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        query: &str,
        k: usize,
    ) -> Result<Vec<KnowledgePassage>> {
        let mut c = Collector::default();
        c.text("query", query, 1, 2_000);
        c.finish()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        load_spec(&mut tx, who, cartridge).await?;
        let mut rows = store::chunks_of(&mut tx, who.tenant, cartridge).await?;
        drop(tx);
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let q = self.embed_texts(who.tenant, &[query.to_owned()]).await?;
        let query_vector = q.vectors.first().cloned().unwrap_or_default();
        let stale: Vec<usize> = (0..rows.len())
            .filter(|i| rows[*i].chunk.embedding_model != q.model)
            .collect();
        if !stale.is_empty() {
            let texts: Vec<String> = stale.iter().map(|i| rows[*i].chunk.body.clone()).collect();
            let fresh = self.embed_texts(who.tenant, &texts).await?;
            let mut tx = self.store.begin_for(who.tenant).await?;
            for (i, v) in stale.into_iter().zip(fresh.vectors) {
                let bytes = to_le_bytes(&v);
                let c = &mut rows[i].chunk;
                store::set_embedding(&mut tx, who.tenant, c.id, &bytes, &fresh.model).await?;
                c.embedding = bytes;
                c.embedding_model = fresh.model.clone();
            }
            tx.commit().await?;
        }
        let mut ranked = rows
            .into_iter()
            .map(|row| {
                let v = from_le_bytes(&row.chunk.embedding).ok_or_else(|| {
                    AppError::Internal("stored passage has an invalid embedding".into())
                })?;
                Ok(KnowledgePassage {
                    score: cosine(&query_vector, &v),
                    document_id: row.chunk.document_id,
                    document_name: row.document_name,
                    text: row.chunk.body,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked.truncate(k.min(MAX_PASSAGES));
        Ok(ranked)
    }
}
