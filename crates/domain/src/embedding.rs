//! A deterministic local text embedder for offline mode: signed feature hashing of the
//! character 3- to 5-grams of each lower-cased word into 256 dimensions, L2-normalised. No
//! model, no network, the same vector on every machine; good enough to rank a cartridge's own
//! examples and to find similar cartridges by shared vocabulary.
//!
//! Vectors are stored with the name of the model that made them ([`LOCAL_MODEL`] here), and
//! only vectors of the same model are ever compared.

/// The name stored beside vectors made by [`embed`].
pub const LOCAL_MODEL: &str = "revos-hashed-ngram-256";

/// How many dimensions [`embed`] produces.
pub const DIMENSIONS: usize = 256;

/// Words too common to say anything about a text's subject.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "i",
    "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the", "their",
    "this", "to", "was", "we", "were", "with", "you", "your",
];

/// 64-bit FNV-1a: a fixed, portable hash (std's hasher is randomly seeded per process).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn add_feature(v: &mut [f32], feature: &str, weight: f32) {
    let h = fnv1a(feature.as_bytes());
    let index = (h % DIMENSIONS as u64) as usize;
    let sign = if (h >> 63) == 1 { -1.0 } else { 1.0 };
    v[index] += sign * weight;
}

/// The embedding of `text` under [`LOCAL_MODEL`]: unit length, or all zeros for a text
/// without words.
pub fn embed(text: &str) -> Vec<f32> {
    let mut v = vec![0.0f32; DIMENSIONS];
    let lower = text.to_lowercase();
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w))
    {
        add_feature(&mut v, &format!("w:{word}"), 1.0);
        let padded: Vec<char> = format!("<{word}>").chars().collect();
        for n in 3..=5 {
            for gram in padded.windows(n) {
                add_feature(&mut v, &gram.iter().collect::<String>(), 0.5);
            }
        }
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in &mut v {
            *x /= norm;
        }
    }
    v
}

/// Cosine similarity in -1..=1; 0 when either vector is zero or their lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        (dot / (na * nb)).clamp(-1.0, 1.0)
    }
}

/// A vector as stored: each component as 4 little-endian bytes.
pub fn to_le_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A stored vector back; `None` when the byte count is not a multiple of 4.
pub fn from_le_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_scores_one_and_vectors_are_unit_length() {
        let a = embed("Onboarding new engineers in their first week");
        assert_eq!(a.len(), DIMENSIONS);
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
        let norm: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(embed("Onboarding new engineers in their first week"), a);
    }

    #[test]
    fn similar_texts_score_higher_than_unrelated_ones() {
        let q = embed("how to onboard a new engineer");
        let near = embed("Onboarding engineers: what the first week should look like");
        let far = embed("Teeth whitening prices at our dental clinic");
        assert!(cosine(&q, &near) > cosine(&q, &far) + 0.1);
    }

    #[test]
    fn empty_text_is_zero_and_scores_zero() {
        let z = embed("  !! ");
        assert!(z.iter().all(|x| *x == 0.0));
        assert_eq!(cosine(&z, &embed("hello")), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn bytes_round_trip() {
        let v = embed("pricing pages that convert");
        assert_eq!(from_le_bytes(&to_le_bytes(&v)).unwrap(), v);
        assert!(from_le_bytes(&[1, 2, 3]).is_none());
    }
}
