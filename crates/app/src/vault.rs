//! Envelope encryption for provider credentials.
//!
//! Each tenant has a random 256-bit data key (DEK). Secrets are sealed with XChaCha20-Poly1305
//! under the DEK, with the tenant and the secret's name as associated data, so a ciphertext
//! moved to another tenant or name fails to open. The DEK itself is stored sealed under the
//! master key (the KEK), which lives outside the database (environment or a 0600 file).
//! Rotating the master key re-seals only the DEKs, never the secrets.

use crate::{AppError, Result};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::Rng;
use revos_domain::{SecretName, TenantId};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// The key-encryption key. Never printed: its `Debug` shows only its fingerprint.
pub struct MasterKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

/// Why a master key could not be read.
#[derive(Debug, thiserror::Error)]
#[error("must be 32 bytes encoded as base64 (44 characters), e.g. from `openssl rand -base64 32`")]
pub struct MasterKeyFormatError;

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rng().fill_bytes(bytes.as_mut());
        Self { bytes }
    }

    /// Reads a key from its base64 text (standard or URL-safe alphabet, padding optional).
    pub fn parse(text: &str) -> Result<Self, MasterKeyFormatError> {
        let text = text.trim();
        let decoded = Zeroizing::new(
            STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .map_err(|_| MasterKeyFormatError)?,
        );
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        if decoded.len() != KEY_LEN {
            return Err(MasterKeyFormatError);
        }
        bytes.copy_from_slice(&decoded);
        Ok(Self { bytes })
    }

    /// The key as base64 text, for writing the key file once.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes.as_ref()))
    }

    /// A fingerprint that names the key in the database without revealing it.
    pub fn id(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"revos master key id v1");
        h.update(self.bytes.as_ref());
        h.finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.bytes).into())
    }

    /// The key that signs tracked lead-magnet links ([`revos_domain::magnet_link::token`]),
    /// derived from this one under its own label, so the link tokens reveal nothing of it.
    pub(crate) fn magnet_link_key(&self) -> Zeroizing<[u8; KEY_LEN]> {
        let mut h = Sha256::new();
        h.update(b"revos magnet link key v1");
        h.update(self.bytes.as_ref());
        Zeroizing::new(h.finalize().into())
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id())
    }
}

/// A tenant's unwrapped data key, wiped from memory when dropped.
pub(crate) struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl DataKey {
    pub(crate) fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rng().fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }
}

fn dek_aad(tenant: TenantId) -> Vec<u8> {
    [b"revos/dek/".as_slice(), tenant.0.as_bytes()].concat()
}

fn secret_aad(tenant: TenantId, name: &SecretName) -> Vec<u8> {
    [
        b"revos/secret/".as_slice(),
        tenant.0.as_bytes(),
        b"/",
        name.as_str().as_bytes(),
    ]
    .concat()
}

fn seal(cipher: &XChaCha20Poly1305, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| AppError::Internal("encryption failed".into()))?;
    Ok([nonce.as_slice(), &ct].concat())
}

fn open(cipher: &XChaCha20Poly1305, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if sealed.len() < NONCE_LEN {
        return Err(AppError::Internal("sealed value is truncated".into()));
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce = XNonce::try_from(nonce).map_err(|_| AppError::Internal("bad nonce".into()))?;
    cipher
        .decrypt(&nonce, Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| AppError::Internal("decryption failed: wrong key or tampered data".into()))
}

/// Seals a tenant's data key under the master key.
pub(crate) fn wrap_dek(master: &MasterKey, tenant: TenantId, dek: &DataKey) -> Result<Vec<u8>> {
    seal(&master.cipher(), &dek_aad(tenant), dek.0.as_ref())
}

/// Opens a tenant's data key.
pub(crate) fn unwrap_dek(master: &MasterKey, tenant: TenantId, wrapped: &[u8]) -> Result<DataKey> {
    let mut plain = open(&master.cipher(), &dek_aad(tenant), wrapped)?;
    if plain.len() != KEY_LEN {
        plain.zeroize();
        return Err(AppError::Internal(
            "stored data key has the wrong length".into(),
        ));
    }
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&plain);
    Ok(DataKey(key))
}

fn webhook_aad(tenant: TenantId, provider: &str) -> Vec<u8> {
    [
        b"revos/webhook/".as_slice(),
        tenant.0.as_bytes(),
        b"/",
        provider.as_bytes(),
    ]
    .concat()
}

/// Seals a workspace's webhook token for `provider`, so its URL can be shown again.
pub(crate) fn seal_webhook_token(
    dek: &DataKey,
    tenant: TenantId,
    provider: &str,
    token: &str,
) -> Result<Vec<u8>> {
    seal(
        &dek.cipher(),
        &webhook_aad(tenant, provider),
        token.as_bytes(),
    )
}

/// Opens a workspace's webhook token for `provider`.
pub(crate) fn open_webhook_token(
    dek: &DataKey,
    tenant: TenantId,
    provider: &str,
    sealed: &[u8],
) -> Result<String> {
    let plain = open(&dek.cipher(), &webhook_aad(tenant, provider), sealed)?;
    String::from_utf8(plain.to_vec())
        .map_err(|_| AppError::Internal("stored webhook token is not UTF-8".into()))
}

fn endpoint_aad(tenant: TenantId, endpoint: uuid::Uuid) -> Vec<u8> {
    [
        b"revos/webhook-endpoint/".as_slice(),
        tenant.0.as_bytes(),
        b"/",
        endpoint.as_bytes(),
    ]
    .concat()
}

/// Seals the signing secret of a workspace's outgoing-webhook endpoint, bound to it.
pub(crate) fn seal_endpoint_secret(
    dek: &DataKey,
    tenant: TenantId,
    endpoint: uuid::Uuid,
    secret: &str,
) -> Result<Vec<u8>> {
    seal(
        &dek.cipher(),
        &endpoint_aad(tenant, endpoint),
        secret.as_bytes(),
    )
}

/// Opens the signing secret of an outgoing-webhook endpoint.
pub(crate) fn open_endpoint_secret(
    dek: &DataKey,
    tenant: TenantId,
    endpoint: uuid::Uuid,
    sealed: &[u8],
) -> Result<Zeroizing<String>> {
    let plain = open(&dek.cipher(), &endpoint_aad(tenant, endpoint), sealed)?;
    String::from_utf8(plain.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| AppError::Internal("stored signing secret is not UTF-8".into()))
}

/// Seals a secret's value.
pub(crate) fn seal_secret(
    dek: &DataKey,
    tenant: TenantId,
    name: &SecretName,
    value: &str,
) -> Result<Vec<u8>> {
    seal(&dek.cipher(), &secret_aad(tenant, name), value.as_bytes())
}

/// Opens a secret's value.
pub(crate) fn open_secret(
    dek: &DataKey,
    tenant: TenantId,
    name: &SecretName,
    sealed: &[u8],
) -> Result<Zeroizing<String>> {
    let plain = open(&dek.cipher(), &secret_aad(tenant, name), sealed)?;
    String::from_utf8(plain.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| AppError::Internal("stored secret is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_round_trip_and_binding() {
        let master = MasterKey::generate();
        let tenant = TenantId::new();
        let dek = DataKey::generate();
        let wrapped = wrap_dek(&master, tenant, &dek).unwrap();
        let dek2 = unwrap_dek(&master, tenant, &wrapped).unwrap();
        let name = SecretName::parse("name", "apollo_api_key").unwrap();
        let sealed = seal_secret(&dek, tenant, &name, "sk-live-123456").unwrap();
        assert_eq!(
            open_secret(&dek2, tenant, &name, &sealed).unwrap().as_str(),
            "sk-live-123456"
        );
        // Bound to tenant and name: moving the ciphertext fails.
        let other = SecretName::parse("name", "unipile_api_key").unwrap();
        assert!(open_secret(&dek2, tenant, &other, &sealed).is_err());
        assert!(open_secret(&dek2, TenantId::new(), &name, &sealed).is_err());
        // And the DEK is bound to its tenant and master key.
        assert!(unwrap_dek(&master, TenantId::new(), &wrapped).is_err());
        assert!(unwrap_dek(&MasterKey::generate(), tenant, &wrapped).is_err());
    }

    #[test]
    fn master_key_text_round_trip() {
        let k = MasterKey::generate();
        let k2 = MasterKey::parse(&k.to_base64()).unwrap();
        assert_eq!(k.id(), k2.id());
        assert!(MasterKey::parse("too-short").is_err());
        assert!(!format!("{k:?}").contains(k.to_base64().as_str()));
    }
}
