//! RustCrypto in place of WebCrypto: signature checks (kith-claims' `RustCryptoVerifier`),
//! AES-256-GCM sealing in WebCrypto's format, ES256 signing from a PKCS#8 PEM, and a
//! deterministic byte stream (SHA-256 of a counter) instead of the CSPRNG.

use crate::app::ports::Crypto;
use crate::domain::Secret;
use crate::error::{ApiError, ApiResult};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use kith_claims::b64;
use kith_claims::jose::RustCryptoVerifier;
use kith_claims::jose::{Alg, Jwk, SignatureVerifier};
use p256::ecdsa::signature::Signer;
use p256::pkcs8::DecodePrivateKey;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::Cell;

/// See the module docs.
pub struct NativeCrypto {
    key: [u8; 32],
    counter: Cell<u64>,
}

impl Default for NativeCrypto {
    fn default() -> Self {
        Self {
            key: *b"kith twin key: tests only 32 byt",
            counter: Cell::new(0),
        }
    }
}

impl NativeCrypto {
    fn cipher(&self) -> ApiResult<Aes256Gcm> {
        Aes256Gcm::new_from_slice(&self.key).map_err(|e| ApiError::Internal(e.to_string()))
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
    async fn seal(&self, plain: &Secret) -> ApiResult<String> {
        let mut iv = [0u8; 12];
        self.random_bytes(&mut iv)?;
        let ct = self
            .cipher()?
            .encrypt(&Nonce::from(iv), plain.expose().as_bytes())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(b64::encode([&iv[..], &ct].concat()))
    }

    async fn open(&self, sealed: &str) -> ApiResult<Secret> {
        let bytes = b64::decode(sealed)
            .ok_or_else(|| ApiError::Internal("sealed secret is not base64url".into()))?;
        let (iv, ct) = bytes
            .split_at_checked(12)
            .ok_or_else(|| ApiError::Internal("sealed secret too short".into()))?;
        let iv: [u8; 12] = iv
            .try_into()
            .map_err(|_| ApiError::Internal("sealed secret too short".into()))?;
        let plain = self
            .cipher()?
            .decrypt(&Nonce::from(iv), ct)
            .map_err(|_| ApiError::Internal("sealed secret does not open".into()))?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| ApiError::Internal("sealed secret is not UTF-8".into()))
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

    fn derive_key(&self) -> &[u8] {
        &self.key
    }
}
