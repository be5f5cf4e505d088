//! Searching the library by meaning: every piece of every magnet (its summary, its
//! document's text) is embedded with the model in effect (pieces not embedded yet, or
//! embedded with another model, are embedded first and saved, as cartridge memory does), a
//! magnet scores its best piece's cosine similarity to the query, a magnet whose text
//! contains the query's words as typed gets a bonus, so an exact name is never missed, and
//! magnets that match neither way are left out.

use super::{LeadMagnet, view};
use crate::{App, Result};
use revos_domain::TenantId;
use revos_domain::embedding::{cosine, from_le_bytes, to_le_bytes};
use revos_domain::search_text::search_term;
use revos_store::lead_magnets as store;
use std::collections::HashMap;
use uuid::Uuid;

/// The most magnets one search returns.
pub const MAX_RESULTS: usize = 50;
/// The most pieces embedded in one call to the model.
const EMBED_BATCH: usize = 64;
/// What a plain match adds to a magnet's similarity.
const TEXT_MATCH_BONUS: f32 = 0.5;
/// The least similarity a magnet without a plain match needs to be an answer at all (the
/// offline embedder gives unrelated short texts up to about 0.2).
const MIN_SCORE: f32 = 0.25;

impl App {
    /// The workspace's magnets ranked by how well they match `query`, best first, at most
    /// `k` (capped at [`MAX_RESULTS`]); each with its `score`.
    pub async fn search_lead_magnets(
        &self,
        tenant: TenantId,
        query: &str,
        k: usize,
    ) -> Result<Vec<LeadMagnet>> {
        let k = k.clamp(1, MAX_RESULTS);
        let mut tx = self.store.begin_read_for(tenant).await?;
        let mut chunks = store::chunks(&mut tx, tenant).await?;
        let plain = match search_term(query) {
            Some(term) => store::matching(&mut tx, tenant, &term, MAX_RESULTS as i64).await?,
            None => Vec::new(),
        };
        tx.commit().await?;
        let q = self.embed_texts(tenant, &[query.to_owned()]).await?;
        let query_vector = q.vectors.first().cloned().unwrap_or_default();
        let stale: Vec<usize> = (0..chunks.len())
            .filter(|i| chunks[*i].embedding_model != q.model)
            .collect();
        for batch in stale.chunks(EMBED_BATCH) {
            let texts: Vec<String> = batch.iter().map(|i| chunks[*i].body.clone()).collect();
            let fresh = self.embed_texts(tenant, &texts).await?;
            let mut tx = self.store.begin_for(tenant).await?;
            for (i, v) in batch.iter().zip(fresh.vectors) {
                let bytes = to_le_bytes(&v);
                store::set_chunk_embedding(&mut tx, tenant, chunks[*i].id, &bytes, &fresh.model)
                    .await?;
                chunks[*i].embedding = bytes;
                chunks[*i].embedding_model = fresh.model.clone();
            }
            tx.commit().await?;
        }
        let mut scores: HashMap<Uuid, f32> = HashMap::new();
        for chunk in &chunks {
            let Some(v) = from_le_bytes(&chunk.embedding) else {
                continue;
            };
            let s = cosine(&query_vector, &v);
            let best = scores.entry(chunk.lead_magnet_id).or_insert(f32::MIN);
            *best = best.max(s);
        }
        for id in &plain {
            *scores.entry(*id).or_insert(0.0) += TEXT_MATCH_BONUS;
        }
        let mut ranked: Vec<(Uuid, f32)> = scores
            .into_iter()
            .filter(|(_, s)| *s >= MIN_SCORE)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        let ids: Vec<Uuid> = ranked.iter().map(|(id, _)| *id).collect();
        let mut tx = self.store.begin_read_for(tenant).await?;
        let rows = store::get_many(&mut tx, tenant, &ids).await?;
        tx.commit().await?;
        let mut by_id: HashMap<Uuid, _> = rows.into_iter().map(|r| (r.id, r)).collect();
        Ok(ranked
            .into_iter()
            .filter_map(|(id, score)| {
                by_id.remove(&id).map(|row| LeadMagnet {
                    score: Some(score),
                    ..view(row)
                })
            })
            .collect())
    }
}
