//! RustCrypto in place of WebCrypto: signature checks (kith-claims' `RustCryptoVerifier`),
//! AES-256-GCM sealing in WebCrypto's format, ES256 signing from a PKCS#8 PEM, and a
//! deterministic byte stream (SHA-256 of a counter) instead of the CSPRNG.

use crate::app::keyring::{Envelope, Keyring, Purpose, Sealing};
use crate::app::ports::Crypto;
use crate::domain::Secret;
use crate::error::{ApiError, ApiResult};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use kith_claims::b64;
use kith_claims::jose::RustCryptoVerifier;
use kith_claims::jose::{Alg, Jwk, SignatureVerifier};
use p256::ecdsa::signature::Signer;
use p256::pkcs8::DecodePrivateKey;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};

/// See the module docs.
pub struct NativeCrypto {
    ring: RefCell<Keyring>,
    flow_key: [u8; 32],
    otp_key: [u8; 32],
    refresh_keys: Vec<[u8; 32]>,
    counter: Cell<u64>,
}

/// The twin's default `SECRETS_KEY`.
pub const TWIN_SECRETS_KEY: &str = "a2l0aCB0d2luIGtleTogdGVzdHMgb25seSAzMiBieXQ";

impl Default for NativeCrypto {
    fn default() -> Self {
        Self::with_keys(TWIN_SECRETS_KEY).unwrap_or_else(|_| unreachable!("a valid twin key"))
    }
}

fn cipher(key: &[u8; 32]) -> ApiResult<Aes256Gcm> {
    Aes256Gcm::new_from_slice(key).map_err(|e| ApiError::Internal(e.to_string()))
}

impl NativeCrypto {
    /// A twin with `secrets_key` as its `SECRETS_KEY` (comma-separated keys).
    pub fn with_keys(secrets_key: &str) -> Result<Self, String> {
        let ring = Keyring::parse(secrets_key)?;
        Ok(Self {
            flow_key: ring.sealing().derive(Purpose::Flow),
            otp_key: ring.sealing().derive(Purpose::EmailCode),
            refresh_keys: ring
                .all()
                .map(|k| k.derive(Purpose::RefreshSuccessor))
                .collect(),
            ring: RefCell::new(ring),
            counter: Cell::new(0),
        })
    }

    /// Rotates: `secrets_key` becomes the keyring (a deploy with a new `SECRETS_KEY`), with
    /// every key derived from it; the random stream goes on.
    pub fn rotate(&mut self, secrets_key: &str) -> Result<(), String> {
        let counter = self.counter.get();
        *self = Self::with_keys(secrets_key)?;
        self.counter.set(counter);
        Ok(())
    }
}

impl SignatureVerifier for NativeCrypto {
    async fn verify(
        &self,
        alg: Alg,
        key: &Jwk,
        message: &[u8],
        signature: &[u8],
    ) -> kith_claims::error::Result<bool> {
        RustCryptoVerifier
            .verify(alg, key, message, signature)
            .await
    }
}

impl Crypto for NativeCrypto {
    async fn seal_as(&self, what: Sealing, plain: &Secret, aad: &str) -> ApiResult<String> {
        let mut iv = [0u8; 12];
        self.random_bytes(&mut iv)?;
        let ring = self.ring.borrow().clone();
        let key = ring.sealing();
        let payload = Payload {
            msg: plain.expose().as_bytes(),
            aad: aad.as_bytes(),
        };
        let ct = cipher(&key.derive(what.purpose()))?
            .encrypt(&Nonce::from(iv), payload)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Envelope::v1(&key.id, &[&iv[..], &ct].concat()))
    }

    async fn open_as(&self, what: Sealing, sealed: &str, aad: &str) -> ApiResult<(Secret, bool)> {
        let bad = |m: &str| ApiError::Internal(format!("sealed secret: {m}"));
        let ring = self.ring.borrow().clone();
        let (key, bytes, aad, stale) = match Envelope::parse(sealed)
            .ok_or_else(|| bad("not an envelope"))?
        {
            Envelope::V1 { kid, bytes } => {
                let k = ring.by_id(&kid).ok_or_else(|| bad("unknown key"))?;
                (
                    k.derive(what.purpose()),
                    bytes,
                    aad.as_bytes(),
                    kid != ring.sealing().id,
                )
            }
            Envelope::Legacy(_) if !what.admits_legacy() => return Err(bad("not an envelope")),
            Envelope::Legacy(bytes) => (ring.sealing().legacy_seal_key(), bytes, &b""[..], true),
        };
        let (iv, ct) = bytes.split_at_checked(12).ok_or_else(|| bad("too short"))?;
        let iv: [u8; 12] = iv.try_into().map_err(|_| bad("too short"))?;
        let plain = cipher(&key)?
            .decrypt(&Nonce::from(iv), Payload { msg: ct, aad })
            .map_err(|_| bad("does not open"))?;
        let text = String::from_utf8(plain).map_err(|_| bad("not UTF-8"))?;
        Ok((Secret::new(text), stale))
    }

    async fn sign_es256_pem(
        &self,
        pem: &Secret,
        header: &Value,
        claims: &Value,
    ) -> ApiResult<String> {
        let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem.expose())
            .map_err(|_| ApiError::InvalidRequest("\"private_key\" must be the .p8 key".into()))?;
        let input = format!(
            "{}.{}",
            b64::encode(header.to_string()),
            b64::encode(claims.to_string())
        );
        let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
        Ok(format!("{input}.{}", b64::encode(signature.to_bytes())))
    }

    async fn check_es256_pem(&self, pem: &Secret) -> ApiResult<()> {
        p256::ecdsa::SigningKey::from_pkcs8_pem(pem.expose())
            .map(|_| ())
            .map_err(|_| ApiError::InvalidRequest("\"private_key\" must be the .p8 key".into()))
    }

    fn random_bytes(&self, out: &mut [u8]) -> ApiResult<()> {
        for chunk in out.chunks_mut(32) {
            let n = self.counter.get() + 1;
            self.counter.set(n);
            let block = Sha256::digest(n.to_be_bytes());
            for (o, b) in chunk.iter_mut().zip(block.iter()) {
                *o = *b;
            }
        }
        Ok(())
    }

    fn flow_key(&self) -> &[u8] {
        &self.flow_key
    }

    fn otp_key(&self) -> &[u8] {
        &self.otp_key
    }

    fn refresh_keys(&self) -> &[[u8; 32]] {
        &self.refresh_keys
    }
}
