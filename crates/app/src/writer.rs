//! Drafting posts and DMs in a cartridge's voice. Offline mode (no model configured) writes
//! deterministically from the cartridge, the most relevant examples and the learned style;
//! every offline draft says so in its `mode`.

use crate::memory::load_spec;
use crate::{App, Principal, Result};
use revos_domain::CartridgeId;
use revos_domain::memory::ExampleKind;
use revos_domain::offline_writer::{WriterInput, target_style, write};
use revos_domain::style::StyleStats;
use revos_domain::validation::Collector;
use serde::Serialize;
use uuid::Uuid;

/// How many examples a draft draws on.
const EXAMPLES_PER_DRAFT: usize = 3;

/// A draft written without a model.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineDraft {
    /// The draft.
    pub text: String,
    /// Always `offline`: no model wrote this.
    pub mode: &'static str,
    /// The memory examples it drew on, most relevant first.
    pub examples_used: Vec<Uuid>,
    /// The style it aimed at: the learned style blended with the cartridge's declared one.
    pub style: StyleStats,
}

/// A fixed seed from the draft's inputs, so the same request gives the same draft.
fn seed(cartridge: CartridgeId, kind: ExampleKind, topic: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in cartridge
        .0
        .as_bytes()
        .iter()
        .chain(kind.as_str().as_bytes())
        .chain(topic.as_bytes())
    {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl App {
    /// Writes a post or DM about `topic` in the cartridge's voice without a model.
    pub async fn draft_offline(
        &self,
        who: &Principal,
        cartridge: CartridgeId,
        kind: ExampleKind,
        topic: &str,
    ) -> Result<OfflineDraft> {
        let mut c = Collector::default();
        c.text("topic", topic, 1, 500);
        c.finish()?;
        let topic = topic.trim();
        let mut tx = self.store.begin_read_for(who.tenant).await?;
        let spec = load_spec(&mut tx, who, cartridge).await?;
        drop(tx);
        let examples = self
            .relevant_examples(who, cartridge, kind, topic, EXAMPLES_PER_DRAFT)
            .await?;
        let learned = self.learned_style(who, cartridge, kind).await?;
        let style = target_style(&spec, kind, &learned);
        let texts: Vec<String> = examples.iter().map(|e| e.example.text.clone()).collect();
        let text = write(&WriterInput {
            spec: &spec,
            kind,
            topic,
            examples: &texts,
            style: &style,
            seed: seed(cartridge, kind, topic),
        });
        Ok(OfflineDraft {
            text,
            mode: "offline",
            examples_used: examples.iter().map(|e| e.example.id).collect(),
            style,
        })
    }
}
