//! A cartridge's memory: approved and edited posts and DMs become examples (the edit kept
//! beside its draft), the most relevant ones are retrieved by embedding similarity, the
//! client's style is learned from them, and cartridges are found by description.
//!
//! Similarity is exact cosine computed in Rust over one cartridge's rows (or one workspace's
//! cartridges): no vector index, which is fine for the hundreds of examples a client has.

use crate::{App, AppError, Principal, Result};
use chrono::{DateTime, Utc};
use revos_domain::cartridge::CartridgeSpec;
use revos_domain::embedding::{cosine, from_le_bytes, to_le_bytes};
use revos_domain::memory::{ExampleKind, ExampleSource};
use revos_domain::style::StyleStats;
use revos_domain::validation::Collector;
use revos_domain::{CartridgeId, PageRequest, UserId};
use revos_store::Tx;
use revos_store::cartridge_examples::{self as store, ExampleRow};
use revos_store::cartridges;
use serde::Serialize;
use uuid::Uuid;

/// The longest example text accepted, in characters.
const MAX_TEXT: usize = 20_000;
/// The most examples or cartridges one ranking returns.
pub const MAX_RANKED: usize = 50;

/// An example in a cartridge's memory.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExampleView {
    /// Its id.
    pub id: Uuid,
    /// The cartridge whose memory it is in.
    pub cartridge_id: CartridgeId,
    /// Post or DM.
    pub kind: ExampleKind,
    /// The final text.
    pub text: String,
    /// The draft it was edited from; `null` when it was approved as written or added by hand.
    pub draft: Option<String>,
    /// True when `draft` is present and differs from `text`.
    pub edited: bool,
    /// How it entered the memory.
    pub source: ExampleSource,
    /// What it came from (e.g. the approved post), when known.
    pub source_id: Option<Uuid>,
    /// The model its embedding was made with.
    pub embedding_model: String,
    /// Who added it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An example with its similarity to a query.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankedExample {
    /// The example.
    #[serde(flatten)]
    pub example: ExampleView,
    /// Cosine similarity to the query, -1 to 1.
    pub score: f32,
}

/// A cartridge and how well it matches a description.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimilarCartridge {
    /// The cartridge's id.
    pub id: CartridgeId,
    /// Its name.
    pub name: String,
    /// Cosine similarity of its profile to the description, -1 to 1.
    pub score: f32,
}

fn corrupt(what: &str) -> AppError {
    AppError::Internal(format!("stored example has an invalid {what}"))
}

fn view(row: ExampleRow) -> Result<ExampleView> {
    let edited = row.draft.as_deref().is_some_and(|d| d != row.body);
    Ok(ExampleView {
        id: row.id,
        cartridge_id: CartridgeId(row.cartridge_id),
        kind: ExampleKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
        text: row.body,
        draft: row.draft,
        edited,
        source: ExampleSource::parse(&row.source).ok_or_else(|| corrupt("source"))?,
        source_id: row.source_id,
        embedding_model: row.embedding_model,
        created_by: row.created_by.map(UserId),
        created_at: row.created_at,
    })
}

/// The text a cartridge is matched on: who the client is, for whom, in which niche and style.
fn profile(spec: &CartridgeSpec) -> String {
    let p = &spec.persona;
    let k = &spec.industry_knowledge;
    [
        spec.name.clone(),
        p.role.clone(),
        p.expertise.join(", "),
        p.target_audience.clone(),
        k.niche.clone(),
        k.key_topics.join(", "),
        k.common_pain_points.join(", "),
        k.solution_frameworks.join(", "),
        spec.writing_style.storytelling_approach.clone(),
    ]
    .join("\n")
}

/// The texts of `kind` among a cartridge's own (hand-written) examples.
pub(crate) fn spec_texts(spec: &CartridgeSpec, kind: ExampleKind) -> Vec<String> {
    spec.examples
        .iter()
        .map(|e| match kind {
            ExampleKind::Post => &e.post,
            ExampleKind::Dm => &e.dm,
        })
        .filter(|t| !t.trim().is_empty())
        .cloned()
        .collect()
}

/// A cartridge's fields, or 404 when it is not in the caller's workspace.
pub(crate) async fn load_spec(
    tx: &mut Tx,
    who: &Principal,
    id: CartridgeId,
) -> Result<CartridgeSpec> {
    let row = cartridges::get(tx, who.tenant, id)
        .await?
        .ok_or(AppError::NotFound("cartridge"))?;
    serde_json::from_str(&row.spec)
        .map_err(|e| AppError::Internal(format!("stored cartridge is invalid: {e}")))
}

impl App {
    /// Adds a text to a cartridge's memory: `text` is the final version, `draft` what it was
    /// edited from (if it was). The approval workflow calls this when a draft is approved.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_example(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        kind: ExampleKind,
        draft: Option<&str>,
        text: &str,
        source: ExampleSource,
        source_id: Option<Uuid>,
    ) -> Result<ExampleView> {
        let mut c = Collector::default();
        c.text("text", text, 1, MAX_TEXT);
        if let Some(d) = draft {
            c.text("draft", d, 0, MAX_TEXT);
        }
        c.finish()?;
        let embedded = self.embed_texts(who.tenant, &[text.to_owned()]).await?;
        let vector = embedded.vectors.first().cloned().unwrap_or_default();
        let row = ExampleRow {
            id: Uuid::now_v7(),
            cartridge_id: cartridge.0,
            kind: kind.as_str().to_owned(),
            body: text.to_owned(),
            draft: draft.filter(|d| !d.trim().is_empty()).map(str::to_owned),
            source: source.as_str().to_owned(),
            source_id,
            embedding: to_le_bytes(&vector),
            embedding_model: embedded.model,
            created_by: Some(who.user.0),
            created_at: self.now(),
        };
        let mut tx = self.store.begin_for(who.tenant).await?;
        load_spec(&mut tx, who, cartridge).await?;
        store::insert(&mut tx, who.tenant, &row).await?;
        tx.commit().await?;
        view(row)
    }

    /// A cartridge's examples, oldest first; only those of `kind` when given.
    pub async fn list_examples(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        kind: Option<ExampleKind>,
    ) -> Result<Vec<ExampleView>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        load_spec(&mut tx, who, cartridge).await?;
        let rows = store::list(&mut tx, who.tenant, cartridge, kind.map(|k| k.as_str())).await?;
        rows.into_iter().map(view).collect()
    }

    /// The `k` examples of `kind` most similar to `query`, best first. Rows embedded with
    /// another model than the current one are re-embedded (and saved) first, so only vectors
    /// of one model are compared.
    pub async fn relevant_examples(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        kind: ExampleKind,
        query: &str,
        k: usize,
    ) -> Result<Vec<RankedExample>> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        load_spec(&mut tx, who, cartridge).await?;
        let mut rows = store::list(&mut tx, who.tenant, cartridge, Some(kind.as_str())).await?;
        drop(tx);
        let q = self.embed_texts(who.tenant, &[query.to_owned()]).await?;
        let query_vector = q.vectors.first().cloned().unwrap_or_default();
        let stale: Vec<usize> = (0..rows.len())
            .filter(|i| rows[*i].embedding_model != q.model)
            .collect();
        if !stale.is_empty() {
            let texts: Vec<String> = stale.iter().map(|i| rows[*i].body.clone()).collect();
            let fresh = self.embed_texts(who.tenant, &texts).await?;
            let mut tx = self.store.begin_for(who.tenant).await?;
            for (i, v) in stale.into_iter().zip(fresh.vectors) {
                let bytes = to_le_bytes(&v);
                store::set_embedding(&mut tx, who.tenant, rows[i].id, &bytes, &fresh.model).await?;
                rows[i].embedding = bytes;
                rows[i].embedding_model = fresh.model.clone();
            }
            tx.commit().await?;
        }
        let mut ranked = rows
            .into_iter()
            .map(|row| {
                let v = from_le_bytes(&row.embedding).ok_or_else(|| corrupt("embedding"))?;
                let score = cosine(&query_vector, &v);
                Ok(RankedExample {
                    example: view(row)?,
                    score,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Stable: equal scores keep the older example first.
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked.truncate(k.min(MAX_RANKED));
        Ok(ranked)
    }

    /// The client's style for `kind`, measured on the examples in memory and the cartridge's
    /// own examples (each distinct text once).
    pub async fn learned_style(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        kind: ExampleKind,
    ) -> Result<StyleStats> {
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let spec = load_spec(&mut tx, who, cartridge).await?;
        let rows = store::list(&mut tx, who.tenant, cartridge, Some(kind.as_str())).await?;
        drop(tx);
        let texts = spec_texts(&spec, kind)
            .into_iter()
            .chain(rows.into_iter().map(|r| r.body));
        crate::cpu::run(move || {
            let mut seen = std::collections::HashSet::new();
            let texts: Vec<String> = texts.filter(|t| seen.insert(t.clone())).collect();
            StyleStats::of(&texts)
        })
        .await
    }

    /// The caller's cartridges ranked by how well their profile (persona, audience, niche,
    /// topics, style) matches `description`, best first, at most `k`.
    pub async fn similar_cartridges(
        &self,
        who: &Principal,
        description: &str,
        k: usize,
    ) -> Result<Vec<SimilarCartridge>> {
        let mut c = Collector::default();
        c.text("q", description, 1, 2_000);
        c.finish()?;
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let mut found: Vec<(CartridgeId, String, String)> = Vec::new();
        let mut page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            after: None,
        };
        loop {
            let rows = cartridges::list(&mut tx, who.tenant, page).await?;
            let more = rows.len() > page.limit as usize;
            for row in rows.into_iter().take(page.limit as usize) {
                let spec: CartridgeSpec = serde_json::from_str(&row.spec)
                    .map_err(|e| AppError::Internal(format!("stored cartridge is invalid: {e}")))?;
                page.after = Some(row.id);
                found.push((CartridgeId(row.id), row.name, profile(&spec)));
            }
            if !more {
                break;
            }
        }
        drop(tx);
        let mut texts = vec![description.to_owned()];
        texts.extend(found.iter().map(|f| f.2.clone()));
        let embedded = self.embed_texts(who.tenant, &texts).await?;
        let (query, profiles) = embedded
            .vectors
            .split_first()
            .ok_or_else(|| AppError::Internal("the embedder returned no vectors".into()))?;
        let mut ranked: Vec<SimilarCartridge> = found
            .into_iter()
            .zip(profiles)
            .map(|((id, name, _), v)| SimilarCartridge {
                id,
                name,
                score: cosine(query, v),
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked.truncate(k.min(MAX_RANKED));
        Ok(ranked)
    }
}
