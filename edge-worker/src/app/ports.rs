//! The ports the services run against, besides storage ([`super::store::Db`]): outbound
//! HTTP, crypto, the providers' key sets and the mailer of verification codes. Production plugs in Workers' `fetch`, WebCrypto
//! and the per-isolate JWKS cache (`adapters`); the native tests plug in in-memory twins
//! (feature `twins`), so the same services run in `cargo test`. Time is a parameter (`now`,
//! Unix seconds) of every service.

use super::keyring::Sealing;
use super::store::Db;
use crate::domain::Secret;
use crate::error::ApiResult;
use core::future::Future;
use kith_claims::jose::{JwkSet, SignatureVerifier};
use kith_claims::oauth::HttpRequest;
use serde_json::Value;
use std::rc::Rc;

/// A provider's answer to an outbound request.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Cache-Control` header, for key sets.
    pub cache_control: Option<String>,
}

/// Largest provider answer read, in bytes.
pub const MAX_ANSWER: usize = 256 * 1024;

/// Outbound HTTP: sends a request kith-claims prepared. A network failure is
/// `provider_unavailable`; the caller judges the status.
pub trait Http {
    fn send(&self, request: &HttpRequest) -> impl Future<Output = ApiResult<HttpAnswer>>;
}

/// The crypto the services need beyond signature checks (which kith-claims asks of the
/// [`SignatureVerifier`] supertrait).
pub trait Crypto: SignatureVerifier {
    /// Encrypts a value for storage (AES-256-GCM under the first master key's key for
    /// `what`, bound to `aad`, the row it belongs to; `app::keyring`).
    fn seal_as(
        &self,
        what: Sealing,
        plain: &Secret,
        aad: &str,
    ) -> impl Future<Output = ApiResult<String>>;
    /// Decrypts what [`Crypto::seal_as`] produced for the same `what` and `aad`; tampering,
    /// or a value copied from another row, fails. `true`: sealed under an older key or
    /// format, to be re-sealed.
    fn open_as(
        &self,
        what: Sealing,
        sealed: &str,
        aad: &str,
    ) -> impl Future<Output = ApiResult<(Secret, bool)>>;
    /// Seals a provider's client secret ([`Sealing::ProviderSecret`]).
    fn seal(&self, plain: &Secret, aad: &str) -> impl Future<Output = ApiResult<String>> {
        self.seal_as(Sealing::ProviderSecret, plain, aad)
    }
    /// Opens a provider's client secret ([`Sealing::ProviderSecret`]).
    fn open(&self, sealed: &str, aad: &str) -> impl Future<Output = ApiResult<(Secret, bool)>> {
        self.open_as(Sealing::ProviderSecret, sealed, aad)
    }
    /// Signs `header.claims` as a compact JWS with an ES256 PKCS#8 PEM key (Apple's `.p8`).
    fn sign_es256_pem(
        &self,
        pem: &Secret,
        header: &Value,
        claims: &Value,
    ) -> impl Future<Output = ApiResult<String>>;
    /// Refuses a PEM that [`Crypto::sign_es256_pem`] could not use (`invalid_request`).
    fn check_es256_pem(&self, pem: &Secret) -> impl Future<Output = ApiResult<()>>;
    /// Fills `out` from a CSPRNG.
    fn random_bytes(&self, out: &mut [u8]) -> ApiResult<()>;
    /// The HMAC key of the server-driven flow's derived values (verifier, nonce, refresh
    /// token), its own key (HKDF, `app::keyring::Purpose::Flow`).
    fn flow_key(&self) -> &[u8];
    /// The HMAC keys of Kith's refresh tokens (HKDF, `app::keyring::Purpose::RefreshSuccessor`),
    /// one per `SECRETS_KEY`: the first makes tokens, every one verifies their tags
    /// (`app::refresh_token`).
    fn refresh_keys(&self) -> &[[u8; 32]];
    /// The HMAC key of stored email verification codes, its own key (HKDF,
    /// `app::keyring::Purpose::EmailCode`): a database dump alone cannot test the million
    /// possible codes against a hash.
    fn otp_key(&self) -> &[u8];
}

/// Where a project's verification codes go: its webhook and the opened signing secret.
/// Its `Debug` shows the URL's origin only (the path or query may carry a credential).
pub struct MailTarget<'a> {
    pub url: &'a str,
    pub secret: &'a Secret,
}

impl std::fmt::Debug for MailTarget<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailTarget")
            .field("url", &crate::domain::mailer::origin(self.url))
            .field("secret", self.secret)
            .finish()
    }
}

/// A verification code on its way to an address (the webhook's JSON body).
#[derive(Debug)]
pub struct CodeMessage<'a> {
    pub to: &'a str,
    pub code: &'a Secret,
    /// When the code stops working, Unix seconds.
    pub expires_at: i64,
    pub project_id: &'a str,
}

/// Delivers verification codes. Production posts a signed webhook (`app::otp::webhook`);
/// the native tests record the messages (`adapters::twins::mailer`). Any failure is
/// `mailer_unavailable` (503), whose reason never quotes the code.
pub trait Mailer {
    fn deliver(
        &self,
        target: &MailTarget<'_>,
        message: &CodeMessage<'_>,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>>;
}

/// The key set at a provider's `jwks_uri` that may verify a token naming `kid`: cached,
/// refetched for an unknown `kid` at most once per cooldown (`kith_claims::jwks_cache`).
/// Shared, not copied: a lookup hands out the cached set itself.
pub trait KeySource {
    fn keys_for(
        &self,
        jwks_uri: &str,
        now: i64,
        kid: Option<&str>,
    ) -> impl Future<Output = ApiResult<Rc<JwkSet>>>;
}

/// Everything a service may touch, as one type parameter.
pub trait Platform {
    type Db: Db;
    type Http: Http;
    type Crypto: Crypto;
    type Keys: KeySource;
    type Mailer: Mailer;
    fn db(&self) -> &Self::Db;
    fn http(&self) -> &Self::Http;
    fn crypto(&self) -> &Self::Crypto;
    fn keys(&self) -> &Self::Keys;
    fn mailer(&self) -> &Self::Mailer;
    /// Waits about `millis` milliseconds (a request waiting for another's refresh).
    fn pause(&self, millis: u64) -> impl Future<Output = ()>;
}

/// `count` random bytes as an array.
pub fn random<const N: usize, C: Crypto>(crypto: &C) -> ApiResult<[u8; N]> {
    let mut out = [0u8; N];
    crypto.random_bytes(&mut out)?;
    Ok(out)
}

/// A random RFC 4122 version-4 UUID.
pub fn random_uuid<C: Crypto>(crypto: &C) -> ApiResult<String> {
    let mut b: [u8; 16] = random(crypto)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    ))
}
