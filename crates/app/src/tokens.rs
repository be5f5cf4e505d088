//! Bearer tokens: 32 random bytes behind a readable prefix, stored only as SHA-256.
//! A fast hash is right here (unlike passwords): the token has 256 bits of entropy.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

/// Prefix of login session tokens.
pub(crate) const SESSION_PREFIX: &str = "rvs_";
/// Prefix of API keys.
pub(crate) const API_KEY_PREFIX: &str = "rvk_";
/// Prefix of invitation tokens.
pub(crate) const INVITE_PREFIX: &str = "rvi_";
/// Prefix of share-link tokens.
pub(crate) const SHARE_LINK_PREFIX: &str = "rvl_";

/// A new random token with `prefix`.
pub(crate) fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A new random password (128 bits, 22 URL-safe characters) for an account the operator
/// creates without giving one.
pub(crate) fn generate_password() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token.
pub(crate) fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_prefixed() {
        let a = generate(API_KEY_PREFIX);
        let b = generate(API_KEY_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("rvk_") && a.len() == 4 + 43);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
    }
}
