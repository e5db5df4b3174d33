//! AES-256-GCM through WebCrypto for secrets at rest, under the keyring of `SECRETS_KEY`
//! (`app::keyring`: per-purpose keys, key ids, associated data, several master keys).

use super::webcrypto::{import_jwk, random_bytes_into, subtle};
use crate::app::keyring::{Envelope, Keyring, Purpose, Sealing};
use crate::error::{ApiError, ApiResult};
use kith_claims::b64;
use serde_json::json;
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

/// One master key's imported AES keys: the derived sealing keys (client secrets, provider
/// tokens) and the raw (legacy) one.
struct Imported {
    id: String,
    seal: CryptoKey,
    tokens: CryptoKey,
    legacy: CryptoKey,
}

impl Imported {
    fn key(&self, what: Sealing) -> &CryptoKey {
        match what {
            Sealing::ProviderSecret => &self.seal,
            Sealing::ProviderToken => &self.tokens,
        }
    }
}

/// The Worker's sealing keys, the first seals.
pub struct SecretBox {
    keys: Vec<Imported>,
}

async fn import_aes(raw: &[u8; 32]) -> ApiResult<CryptoKey> {
    let jwk = json!({"kty": "oct", "k": b64::encode(raw)});
    import_jwk(&jwk, &json!({"name": "AES-GCM"}), &["encrypt", "decrypt"]).await
}

/// `{name: "AES-GCM", iv, additionalData}`.
fn aes_gcm(iv: &[u8], aad: Option<&[u8]>) -> ApiResult<js_sys::Object> {
    let params = js_sys::Object::new();
    js_sys::Reflect::set(&params, &"name".into(), &"AES-GCM".into())?;
    js_sys::Reflect::set(&params, &"iv".into(), &js_sys::Uint8Array::from(iv))?;
    if let Some(aad) = aad {
        js_sys::Reflect::set(
            &params,
            &"additionalData".into(),
            &js_sys::Uint8Array::from(aad),
        )?;
    }
    Ok(params)
}

fn corrupt(why: &str) -> ApiError {
    ApiError::Internal(format!("sealed secret: {why}"))
}

impl SecretBox {
    /// Imports every key of the keyring.
    pub async fn import(ring: &Keyring) -> ApiResult<Self> {
        let mut keys = Vec::new();
        for k in ring.all() {
            keys.push(Imported {
                id: k.id.clone(),
                seal: import_aes(&k.derive(Purpose::Seal)).await?,
                tokens: import_aes(&k.derive(Purpose::ProviderToken)).await?,
                legacy: import_aes(&k.legacy_seal_key()).await?,
            });
        }
        Ok(Self { keys })
    }

    /// Encrypts `plain` under the first key for `what`, bound to `aad`, with a fresh random IV.
    pub async fn seal(&self, what: Sealing, plain: &str, aad: &str) -> ApiResult<String> {
        let key = self.keys.first().ok_or_else(|| corrupt("no key"))?;
        let mut iv = [0u8; 12];
        random_bytes_into(&mut iv)?;
        let params = aes_gcm(&iv, Some(aad.as_bytes()))?;
        let promise =
            subtle()?.encrypt_with_object_and_u8_array(&params, key.key(what), plain.as_bytes())?;
        let ct = js_sys::Uint8Array::new(&JsFuture::from(promise).await?).to_vec();
        Ok(Envelope::v1(&key.id, &[&iv[..], &ct].concat()))
    }

    /// Decrypts what [`Self::seal`] produced for `aad` (or the first format); whether it
    /// should be re-sealed (an older key or format). Tampering or another row's value fails.
    pub async fn open(&self, what: Sealing, sealed: &str, aad: &str) -> ApiResult<(String, bool)> {
        let envelope = Envelope::parse(sealed).ok_or_else(|| corrupt("not an envelope"))?;
        let (key, bytes, aad, stale) = match &envelope {
            Envelope::V1 { kid, bytes } => {
                let at = self.keys.iter().position(|k| &k.id == kid);
                let key = at
                    .and_then(|i| self.keys.get(i))
                    .ok_or_else(|| corrupt("sealed under a key no longer configured"))?;
                (key.key(what), bytes, Some(aad.as_bytes()), at != Some(0))
            }
            Envelope::Legacy(_) if !what.admits_legacy() => return Err(corrupt("not an envelope")),
            Envelope::Legacy(bytes) => {
                let key = self.keys.first().ok_or_else(|| corrupt("no key"))?;
                (&key.legacy, bytes, None, true)
            }
        };
        let (iv, ct) = bytes
            .split_at_checked(12)
            .ok_or_else(|| corrupt("too short"))?;
        let params = aes_gcm(iv, aad)?;
        let promise = subtle()?.decrypt_with_object_and_u8_array(&params, key, ct)?;
        let plain = JsFuture::from(promise)
            .await
            .map_err(|_| corrupt("does not open (wrong key or row)"))?;
        let plain = js_sys::Uint8Array::new(&plain).to_vec();
        let text = String::from_utf8(plain).map_err(|_| corrupt("not UTF-8"))?;
        Ok((text, stale))
    }
}
