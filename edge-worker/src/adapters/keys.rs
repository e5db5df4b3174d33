//! The Worker's own secrets, imported once per isolate.
//!
//! - `SESSION_SIGNING_KEYS`: a JSON array of private EC P-256 JWKs, each with a `kid`. The
//!   first signs new access tokens; all are published at `/.well-known/jwks.json`, so a key
//!   can be rotated by putting a new one first and removing the old one after the access
//!   token lifetime.
//! - `SECRETS_KEY`: one or more 32-byte keys, base64url, comma-separated (the first seals,
//!   all open): the masters of the per-purpose keys of `app::keyring`.
//! - `ADMIN_TOKEN`: the bearer token of the admin API.

use super::secret_box::SecretBox;
use super::webcrypto::SigningKey;
use crate::app::keyring::{Keyring, Purpose};
use crate::error::{ApiError, ApiResult};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::rc::Rc;
use worker::Env;

/// Imported keys.
pub struct Keys {
    pub signing: Vec<SigningKey>,
    pub secrets: SecretBox,
    /// The public keys as a JWKS, to verify Kith's own access tokens.
    pub public: kith_claims::jose::JwkSet,
    /// HMAC keys of refresh tokens (HKDF of each `SECRETS_KEY`, the first makes them).
    pub refresh_keys: Vec<[u8; 32]>,
    /// HMAC key of the server-driven flow's derived values (HKDF of the first key).
    pub flow_key: Vec<u8>,
    /// HMAC key of stored email verification codes (HKDF of the first key).
    pub otp_key: Vec<u8>,
}

impl Keys {
    /// The key that signs new tokens.
    pub fn active(&self) -> ApiResult<&SigningKey> {
        self.signing
            .first()
            .ok_or_else(|| ApiError::Internal("SESSION_SIGNING_KEYS is empty".into()))
    }
}

/// The secrets the cached keys were imported from, compared as they are on every request: a
/// string comparison, where hashing them each time cost a SHA-256 per request.
struct Imported {
    signing_json: String,
    secrets_key: String,
    keys: Rc<Keys>,
}

thread_local! {
    static KEYS: RefCell<Option<Imported>> = const { RefCell::new(None) };
}

fn secret(env: &Env, name: &str) -> ApiResult<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .map_err(|_| ApiError::Internal(format!("the Worker secret {name} is not set")))
}

/// The imported keys, re-imported only when the secrets change.
pub async fn load(env: &Env) -> ApiResult<Rc<Keys>> {
    let signing_json = secret(env, "SESSION_SIGNING_KEYS")?;
    let secrets_key = secret(env, "SECRETS_KEY")?;
    if let Some(keys) = KEYS.with(|k| {
        k.borrow()
            .as_ref()
            .filter(|i| i.signing_json == signing_json && i.secrets_key == secrets_key)
            .map(|i| i.keys.clone())
    }) {
        return Ok(keys);
    }
    // The parser's message could quote the private key: a fixed message only.
    let list: Vec<Value> = serde_json::from_str(&signing_json).map_err(|_| {
        ApiError::Internal("SESSION_SIGNING_KEYS is not a JSON array of JWKs".into())
    })?;
    let mut signing = Vec::with_capacity(list.len());
    for jwk in &list {
        signing.push(SigningKey::import(jwk).await?);
    }
    let public_doc = serde_json::json!({ "keys": signing.iter().map(SigningKey::public_jwk).collect::<Vec<_>>() });
    let public = kith_claims::jose::JwkSet::parse(public_doc.to_string().as_bytes())
        .map_err(|e| ApiError::Internal(format!("SESSION_SIGNING_KEYS: {e}")))?;
    let ring = Keyring::parse(&secrets_key).map_err(ApiError::Internal)?;
    let keys = Rc::new(Keys {
        signing,
        secrets: SecretBox::import(&ring).await?,
        public,
        refresh_keys: ring
            .all()
            .map(|k| k.derive(Purpose::RefreshSuccessor))
            .collect(),
        flow_key: ring.sealing().derive(Purpose::Flow).to_vec(),
        otp_key: ring.sealing().derive(Purpose::EmailCode).to_vec(),
    });
    KEYS.with(|k| {
        *k.borrow_mut() = Some(Imported {
            signing_json,
            secrets_key,
            keys: keys.clone(),
        });
    });
    Ok(keys)
}

/// Checks an admin bearer token in constant time (comparing SHA-256 digests, so neither the
/// length nor a prefix of the real token leaks through timing).
pub fn admin_authorized(env: &Env, authorization: Option<&str>) -> bool {
    let Ok(expected) = secret(env, "ADMIN_TOKEN") else {
        return false;
    };
    let Some(given) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else {
        return false;
    };
    let (a, b) = (
        Sha256::digest(expected.as_bytes()),
        Sha256::digest(given.as_bytes()),
    );
    crate::app::derive::same(&a, &b) && !expected.is_empty()
}
