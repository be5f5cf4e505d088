//! What a language-model call costs: a table of list prices per million tokens, so every
//! call's tokens can be recorded with its cost per tenant. Configuration can add or replace
//! models (a local model at 0, a negotiated price); a model the table does not know has no
//! cost, and the caller records its tokens and flags the cost as unknown instead of guessing.
//! Image models are priced per image instead ([`ModelPrice::per_image`]).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The list price of one model, in US dollars per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawModelPrice")]
pub struct ModelPrice {
    /// Dollars per million input (prompt) tokens.
    pub input_per_million: f64,
    /// Dollars per million output (completion) tokens; 0 for embedding models.
    pub output_per_million: f64,
    /// Dollars per generated image (image models); 0 for text models.
    #[serde(default)]
    pub per_image: f64,
}

/// A price as configuration writes it, checked before it becomes a [`ModelPrice`].
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table with input_per_million (and output_per_million), dollars per million tokens, or per_image, dollars per image"
)]
struct RawModelPrice {
    #[serde(default)]
    input_per_million: Option<f64>,
    #[serde(default)]
    output_per_million: f64,
    #[serde(default)]
    per_image: Option<f64>,
}

impl TryFrom<RawModelPrice> for ModelPrice {
    type Error = String;

    fn try_from(raw: RawModelPrice) -> Result<Self, Self::Error> {
        if raw.input_per_million.is_none() && raw.per_image.is_none() {
            return Err(
                "input_per_million (dollars per million tokens) or per_image (dollars per image) is required"
                    .into(),
            );
        }
        for (field, value) in [
            ("input_per_million", raw.input_per_million.unwrap_or(0.0)),
            ("output_per_million", raw.output_per_million),
            ("per_image", raw.per_image.unwrap_or(0.0)),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(format!(
                    "{field} must be a price of 0 or more dollars, got {value}"
                ));
            }
        }
        Ok(Self {
            input_per_million: raw.input_per_million.unwrap_or(0.0),
            output_per_million: raw.output_per_million,
            per_image: raw.per_image.unwrap_or(0.0),
        })
    }
}

impl ModelPrice {
    /// A price of `input` and `output` dollars per million tokens.
    pub const fn new(input: f64, output: f64) -> Self {
        Self {
            input_per_million: input,
            output_per_million: output,
            per_image: 0.0,
        }
    }

    /// The price of an image model: `dollars` per generated image.
    pub const fn per_image(dollars: f64) -> Self {
        Self {
            input_per_million: 0.0,
            output_per_million: 0.0,
            per_image: dollars,
        }
    }
}

/// Model name → price. Serialised (and deserialised from configuration) as a map
/// `{"model": {"input_per_million": 0.15, "output_per_million": 0.6}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PriceTable {
    models: BTreeMap<String, ModelPrice>,
}

/// OpenAI list prices (USD per 1M input, per 1M output tokens) for the common models.
const LIST_PRICES: &[(&str, f64, f64)] = &[
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4o", 2.50, 10.00),
    ("gpt-4.1", 2.00, 8.00),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1-nano", 0.10, 0.40),
    ("text-embedding-3-small", 0.02, 0.0),
    ("text-embedding-3-large", 0.13, 0.0),
];

/// OpenAI list prices per image (USD, one 1024×1024 image at standard or medium quality).
const IMAGE_PRICES: &[(&str, f64)] = &[
    ("gpt-image-1", 0.042),
    ("gpt-image-1-mini", 0.011),
    ("dall-e-3", 0.04),
    ("dall-e-2", 0.02),
];

impl Default for PriceTable {
    /// Current OpenAI list prices for the common chat, embedding and image models.
    fn default() -> Self {
        Self::empty()
            .with_overrides(
                LIST_PRICES
                    .iter()
                    .map(|&(model, input, output)| (model, ModelPrice::new(input, output))),
            )
            .with_overrides(
                IMAGE_PRICES
                    .iter()
                    .map(|&(model, dollars)| (model, ModelPrice::per_image(dollars))),
            )
    }
}

impl IntoIterator for PriceTable {
    type Item = (String, ModelPrice);
    type IntoIter = std::collections::btree_map::IntoIter<String, ModelPrice>;

    fn into_iter(self) -> Self::IntoIter {
        self.models.into_iter()
    }
}

impl PriceTable {
    /// A table that knows no model (every cost is unknown until prices are added).
    pub fn empty() -> Self {
        Self {
            models: BTreeMap::new(),
        }
    }

    /// This table with `overrides` added, replacing the price of any model already known;
    /// e.g. `PriceTable::default().with_overrides(configured_table)`.
    pub fn with_overrides<K: Into<String>>(
        mut self,
        overrides: impl IntoIterator<Item = (K, ModelPrice)>,
    ) -> Self {
        self.models
            .extend(overrides.into_iter().map(|(k, p)| (k.into(), p)));
        self
    }

    /// The price of `model`: its exact entry, or else the longest known name that `model`
    /// extends with a dated or tagged suffix (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`,
    /// `llama3.1:8b` → `llama3.1`). Other extensions (`gpt-4o-audio-preview`) stay unknown
    /// rather than borrowing a price that may be wrong.
    pub fn price(&self, model: &str) -> Option<ModelPrice> {
        if let Some(price) = self.models.get(model) {
            return Some(*price);
        }
        self.models
            .iter()
            .filter(|(known, _)| is_variant_of(model, known))
            .max_by_key(|(known, _)| known.len())
            .map(|(_, price)| *price)
    }

    /// What a call to `model` that used these tokens cost in US dollars, or `None` when the
    /// model's price is unknown.
    pub fn cost_usd(&self, model: &str, prompt_tokens: u32, completion_tokens: u32) -> Option<f64> {
        let price = self.price(model)?;
        Some(
            (f64::from(prompt_tokens) * price.input_per_million
                + f64::from(completion_tokens) * price.output_per_million)
                / 1_000_000.0,
        )
    }
}

impl PriceTable {
    /// What a call to `model` that made `images` images and used these tokens cost in US
    /// dollars (its per-image price plus its token prices), or `None` when the model's price
    /// is unknown.
    pub fn image_cost_usd(
        &self,
        model: &str,
        images: u32,
        prompt_tokens: u32,
        completion_tokens: u32,
    ) -> Option<f64> {
        let price = self.price(model)?;
        Some(
            f64::from(images) * price.per_image
                + self.cost_usd(model, prompt_tokens, completion_tokens)?,
        )
    }
}

/// Whether `model` is `known` plus a date (`-2024-07-18`, `-0613`) or an Ollama tag (`:8b`).
fn is_variant_of(model: &str, known: &str) -> bool {
    let Some(rest) = model.strip_prefix(known) else {
        return false;
    };
    let mut chars = rest.chars();
    match chars.next() {
        Some('-') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        Some(':') => chars.next().is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{ModelPrice, PriceTable};

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn list_prices_cost_per_million_tokens() {
        let t = PriceTable::default();
        assert!(close(t.cost_usd("gpt-4o-mini", 1_000_000, 0), 0.15));
        assert!(close(t.cost_usd("gpt-4o-mini", 0, 1_000_000), 0.60));
        assert!(close(
            t.cost_usd("gpt-4o", 2_000, 500),
            (2_000.0 * 2.5 + 500.0 * 10.0) / 1e6
        ));
        assert!(close(t.cost_usd("gpt-4.1", 1_000_000, 1_000_000), 10.0));
        assert!(close(t.cost_usd("gpt-4.1-mini", 1_000_000, 1_000_000), 2.0));
        assert!(close(t.cost_usd("gpt-4.1-nano", 1_000_000, 1_000_000), 0.5));
        assert!(close(
            t.cost_usd("text-embedding-3-small", 1_000_000, 0),
            0.02
        ));
        assert!(close(
            t.cost_usd("text-embedding-3-large", 500_000, 0),
            0.065
        ));
    }

    #[test]
    fn image_models_cost_per_image() {
        let t = PriceTable::default();
        assert!(close(t.image_cost_usd("dall-e-3", 1, 0, 0), 0.04));
        assert!(close(t.image_cost_usd("gpt-image-1", 2, 0, 0), 0.084));
        assert_eq!(t.image_cost_usd("my-local-diffusion", 1, 0, 0), None);
        let configured: PriceTable =
            serde_json::from_str(r#"{"my-local-diffusion": {"per_image": 0.5}}"#).unwrap();
        let t = t.with_overrides(configured);
        assert!(close(
            t.image_cost_usd("my-local-diffusion", 1, 10, 10),
            0.5
        ));
    }

    #[test]
    fn unknown_models_have_no_cost() {
        let t = PriceTable::default();
        assert_eq!(t.cost_usd("llama3.1", 10, 10), None);
        assert_eq!(t.cost_usd("", 10, 10), None);
        // An extension that is not a date is another model, not a variant.
        assert_eq!(t.cost_usd("gpt-4o-audio-preview", 10, 10), None);
        assert_eq!(t.cost_usd("gpt-4o-", 10, 10), None);
        assert_eq!(t.cost_usd("GPT-4O", 10, 10), None);
    }

    #[test]
    fn dated_variants_take_the_longest_known_prefix() {
        let t = PriceTable::default();
        assert_eq!(
            t.price("gpt-4o-mini-2024-07-18"),
            Some(ModelPrice::new(0.15, 0.60))
        );
        assert_eq!(
            t.price("gpt-4o-2024-08-06"),
            Some(ModelPrice::new(2.50, 10.00))
        );
        assert_eq!(
            t.price("gpt-4.1-mini-2025-04-14"),
            Some(ModelPrice::new(0.40, 1.60))
        );
        assert_eq!(
            t.price("gpt-4.1-2025-04-14"),
            Some(ModelPrice::new(2.00, 8.00))
        );
    }

    #[test]
    fn configuration_adds_and_replaces_models() {
        let configured: PriceTable = serde_json::from_str(
            r#"{"llama3.1": {"input_per_million": 0, "output_per_million": 0},
                "gpt-4o-mini": {"input_per_million": 0.1, "output_per_million": 0.5},
                "nomic-embed-text": {"input_per_million": 0}}"#,
        )
        .unwrap();
        let t = PriceTable::default().with_overrides(configured);
        assert!(close(t.cost_usd("llama3.1", 5_000, 5_000), 0.0));
        assert!(close(t.cost_usd("llama3.1:8b", 5_000, 5_000), 0.0));
        assert!(close(t.cost_usd("gpt-4o-mini", 1_000_000, 1_000_000), 0.6));
        assert!(close(t.cost_usd("nomic-embed-text", 1_000_000, 0), 0.0));
        // Untouched defaults stay.
        assert!(close(t.cost_usd("gpt-4o", 1_000_000, 0), 2.5));
        let round_trip: PriceTable =
            serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(round_trip, t);
    }

    #[test]
    fn configured_prices_must_be_zero_or_more() {
        for bad in [
            r#"{"m": {"input_per_million": -1}}"#,
            r#"{"m": {"input_per_million": 1, "output_per_million": -0.5}}"#,
            r#"{"m": {"output_per_million": 1}}"#,
            r#"{"m": {"input_per_million": 1, "ouput_per_million": 1}}"#,
        ] {
            let err = serde_json::from_str::<PriceTable>(bad).unwrap_err();
            assert!(err.to_string().contains("per_million"), "{bad}: {err}");
        }
    }
}
