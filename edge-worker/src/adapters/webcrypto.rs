//! WebCrypto (`crypto.subtle`) for the Worker: signature verification for kith-claims,
//! ES256 signing of Kith's access tokens, AES-GCM for secrets at rest, random bytes, SHA-256.
//!
//! WebCrypto is the runtime's native code: 10-30x faster than pure-Rust crypto compiled to
//! wasm, and it adds almost nothing to the bundle. Imported keys are cached per isolate.

use crate::error::{ApiError, ApiResult};
use kith_claims::b64;
use kith_claims::jose::KeyMaterial;
use kith_claims::jose::{Alg, Jwk, SignatureVerifier};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

fn crypto() -> ApiResult<web_sys::Crypto> {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .crypto()
        .map_err(ApiError::from)
}

pub(crate) fn subtle() -> ApiResult<SubtleCrypto> {
    Ok(crypto()?.subtle())
}

fn js(value: &Value) -> ApiResult<js_sys::Object> {
    js_sys::JSON::parse(&value.to_string())
        .map(JsCast::unchecked_into)
        .map_err(ApiError::from)
}

fn usages(list: &[&str]) -> js_sys::Array {
    list.iter().map(|u| JsValue::from_str(u)).collect()
}

/// Fills `out` with bytes from the runtime's CSPRNG.
pub fn random_bytes_into(out: &mut [u8]) -> ApiResult<()> {
    crypto()?.get_random_values_with_u8_array(out)?;
    Ok(())
}

pub(crate) async fn import_jwk(
    jwk: &Value,
    algorithm: &Value,
    usage: &[&str],
) -> ApiResult<CryptoKey> {
    let promise = subtle()?.import_key_with_object(
        "jwk",
        &js(jwk)?,
        &js(algorithm)?,
        false,
        &usages(usage),
    )?;
    Ok(JsFuture::from(promise).await?.unchecked_into())
}

fn verify_params(alg: Alg) -> (Value, Value) {
    match alg {
        Alg::Rs256 => (
            json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}),
            json!({"name": "RSASSA-PKCS1-v1_5"}),
        ),
        Alg::Es256 => (
            json!({"name": "ECDSA", "namedCurve": "P-256"}),
            json!({"name": "ECDSA", "hash": "SHA-256"}),
        ),
        Alg::EdDsa => (json!({"name": "Ed25519"}), json!({"name": "Ed25519"})),
    }
}

/// The minimal public JWK for `importKey`: only key material, so no provider-supplied
/// member (`alg`, `key_ops`, `ext`) can change how WebCrypto treats the key.
fn import_form(key: &Jwk) -> Value {
    match key.material() {
        KeyMaterial::Rsa { n, e } => {
            json!({"kty": "RSA", "n": b64::encode(n), "e": b64::encode(e)})
        }
        KeyMaterial::P256 { x, y } => {
            json!({"kty": "EC", "crv": "P-256", "x": b64::encode(x), "y": b64::encode(y)})
        }
        KeyMaterial::Ed25519 { x } => json!({"kty": "OKP", "crv": "Ed25519", "x": b64::encode(x)}),
    }
}

/// An imported verification key with its `verify` algorithm object, ready for the next call.
#[derive(Clone)]
struct ReadyKey {
    key: CryptoKey,
    verify_alg: js_sys::Object,
}

thread_local! {
    /// Imported verification keys, by (alg, key material): importKey costs ~15 µs, and the
    /// lookup builds nothing (no JSON, no base64) on the hot path.
    static VERIFY_KEYS: RefCell<HashMap<(Alg, KeyMaterial), ReadyKey>> = RefCell::new(HashMap::new());
}

/// The WebCrypto implementation of kith-claims' [`SignatureVerifier`].
pub struct WebCryptoVerifier;

impl SignatureVerifier for WebCryptoVerifier {
    async fn verify(
        &self,
        alg: Alg,
        key: &Jwk,
        message: &[u8],
        signature: &[u8],
    ) -> kith_claims::error::Result<bool> {
        // A failure to run the check is treated as "does not verify": fail closed.
        Ok(webcrypto_verify(alg, key, message, signature)
            .await
            .unwrap_or(false))
    }
}

async fn ready_key(alg: Alg, key: &Jwk) -> ApiResult<ReadyKey> {
    let id = (alg, key.material().clone());
    if let Some(ready) = VERIFY_KEYS.with(|m| m.borrow().get(&id).cloned()) {
        return Ok(ready);
    }
    let (import_alg, verify_alg) = verify_params(alg);
    let ready = ReadyKey {
        key: import_jwk(&import_form(key), &import_alg, &["verify"]).await?,
        verify_alg: js(&verify_alg)?,
    };
    VERIFY_KEYS.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 256 {
            m.clear();
        }
        m.insert(id, ready.clone());
    });
    Ok(ready)
}

async fn webcrypto_verify(
    alg: Alg,
    key: &Jwk,
    message: &[u8],
    signature: &[u8],
) -> ApiResult<bool> {
    if alg == Alg::Es256 && signature.len() != 64 {
        return Ok(false);
    }
    let ready = ready_key(alg, key).await?;
    let promise = subtle()?.verify_with_object_and_u8_array_and_u8_array(
        &ready.verify_alg,
        &ready.key,
        signature,
        message,
    )?;
    Ok(JsFuture::from(promise).await?.as_bool().unwrap_or(false))
}

/// One of the Worker's own ES256 signing keys, from the `SESSION_SIGNING_KEYS` secret.
pub struct SigningKey {
    pub kid: String,
    key: CryptoKey,
    public: Value,
}

impl SigningKey {
    /// Imports a private P-256 JWK (with `kid`, `x`, `y`, `d`).
    pub async fn import(jwk: &Value) -> ApiResult<Self> {
        let field = |name: &str| {
            jwk.get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::Internal(format!("SESSION_SIGNING_KEYS: key lacks \"{name}\""))
                })
        };
        let (kid, x, y, d) = (field("kid")?, field("x")?, field("y")?, field("d")?);
        if jwk.get("kty").and_then(Value::as_str) != Some("EC")
            || jwk.get("crv").and_then(Value::as_str) != Some("P-256")
        {
            return Err(ApiError::Internal(
                "SESSION_SIGNING_KEYS: keys must be EC P-256".into(),
            ));
        }
        let private = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "d": d});
        let key = import_jwk(
            &private,
            &json!({"name": "ECDSA", "namedCurve": "P-256"}),
            &["sign"],
        )
        .await?;
        let public = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": kid, "alg": "ES256", "use": "sig"});
        Ok(Self { kid, key, public })
    }

    /// The public JWK, for `/.well-known/jwks.json`.
    pub fn public_jwk(&self) -> &Value {
        &self.public
    }

    /// Signs `claims` as a compact JWS (ES256, raw `r || s` signature).
    pub async fn sign_jwt(&self, claims: &Value) -> ApiResult<String> {
        sign_es256(
            &self.key,
            &json!({"alg": "ES256", "typ": "JWT", "kid": self.kid}),
            claims,
        )
        .await
    }
}

/// Signs a compact JWS with an ES256 key (raw `r || s` signature, RFC 7518 section 3.4).
pub async fn sign_es256(key: &CryptoKey, header: &Value, claims: &Value) -> ApiResult<String> {
    let input = format!(
        "{}.{}",
        b64::encode(header.to_string()),
        b64::encode(claims.to_string())
    );
    let promise = subtle()?.sign_with_object_and_u8_array(
        &js(&json!({"name": "ECDSA", "hash": "SHA-256"}))?,
        key,
        input.as_bytes(),
    )?;
    let sig = js_sys::Uint8Array::new(&JsFuture::from(promise).await?).to_vec();
    Ok(format!("{input}.{}", b64::encode(sig)))
}

/// Imports a Sign in with Apple private key (the `.p8` file: PKCS#8 PEM, EC P-256) for
/// signing client secrets. A key WebCrypto refuses is an `invalid_request`.
pub async fn import_apple_key(pem: &str) -> ApiResult<CryptoKey> {
    let bad = || {
        ApiError::InvalidRequest(
            "\"private_key\" must be the .p8 key: a PKCS#8 PEM EC P-256 private key".into(),
        )
    };
    let body: String = pem
        .trim()
        .strip_prefix("-----BEGIN PRIVATE KEY-----")
        .and_then(|r| r.strip_suffix("-----END PRIVATE KEY-----"))
        .ok_or_else(bad)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    use base64ct::Encoding;
    let der = base64ct::Base64::decode_vec(&body).map_err(|_| bad())?;
    let data = js_sys::Uint8Array::from(der.as_slice());
    let promise = subtle()?
        .import_key_with_object(
            "pkcs8",
            &data,
            &js(&json!({"name": "ECDSA", "namedCurve": "P-256"}))?,
            false,
            &usages(&["sign"]),
        )
        .map_err(|_| bad())?;
    Ok(JsFuture::from(promise)
        .await
        .map_err(|_| bad())?
        .unchecked_into())
}
