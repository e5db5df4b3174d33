//! The Worker's platform: D1, Workers' `fetch`, WebCrypto, the per-isolate JWKS cache and
//! the webhook mailer plugged into the services' ports. Built once per request from the isolate's cached keys.

use super::admitted::Admitted;
use super::d1::D1;
use super::fetch::Fetcher;
use super::jwks::JwksCache;
use super::keys::Keys;
use super::webcrypto::{import_apple_key, random_bytes_into, sign_es256, WebCryptoVerifier};
use crate::app::keyring::Sealing;
use crate::app::otp::webhook::Webhook;
use crate::app::ports::{Crypto, Platform};
use crate::domain::Secret;
use crate::error::ApiResult;
use kith_claims::jose::{Alg, Jwk, SignatureVerifier};
use serde_json::Value;
use std::rc::Rc;

/// WebCrypto with the Worker's secrets.
pub struct WebCrypto {
    pub keys: Rc<Keys>,
}

impl SignatureVerifier for WebCrypto {
    async fn verify(
        &self,
        alg: Alg,
        key: &Jwk,
        message: &[u8],
        signature: &[u8],
    ) -> kith_claims::error::Result<bool> {
        WebCryptoVerifier.verify(alg, key, message, signature).await
    }
}

impl Crypto for WebCrypto {
    async fn seal_as(&self, what: Sealing, plain: &Secret, aad: &str) -> ApiResult<String> {
        self.keys.secrets.seal(what, plain.expose(), aad).await
    }

    async fn open_as(&self, what: Sealing, sealed: &str, aad: &str) -> ApiResult<(Secret, bool)> {
        let (plain, stale) = self.keys.secrets.open(what, sealed, aad).await?;
        Ok((Secret::new(plain), stale))
    }

    async fn sign_es256_pem(
        &self,
        pem: &Secret,
        header: &Value,
        claims: &Value,
    ) -> ApiResult<String> {
        let key = import_apple_key(pem.expose()).await?;
        sign_es256(&key, header, claims).await
    }

    async fn check_es256_pem(&self, pem: &Secret) -> ApiResult<()> {
        import_apple_key(pem.expose()).await.map(|_| ())
    }

    fn random_bytes(&self, out: &mut [u8]) -> ApiResult<()> {
        random_bytes_into(out)
    }

    fn flow_key(&self) -> &[u8] {
        &self.keys.flow_key
    }

    fn otp_key(&self) -> &[u8] {
        &self.keys.otp_key
    }

    fn refresh_keys(&self) -> &[[u8; 32]] {
        &self.keys.refresh_keys
    }
}

/// The production platform.
pub struct WorkerPlatform {
    pub db: Admitted<D1>,
    pub crypto: WebCrypto,
}

impl Platform for WorkerPlatform {
    type Db = Admitted<D1>;
    type Http = Fetcher;
    type Crypto = WebCrypto;
    type Keys = JwksCache;
    type Mailer = Webhook<Fetcher>;
    fn db(&self) -> &Admitted<D1> {
        &self.db
    }
    fn http(&self) -> &Fetcher {
        &Fetcher
    }
    fn crypto(&self) -> &WebCrypto {
        &self.crypto
    }
    fn keys(&self) -> &JwksCache {
        &JwksCache
    }
    fn mailer(&self) -> &Webhook<Fetcher> {
        &Webhook(Fetcher)
    }
    async fn pause(&self, millis: u64) {
        worker::Delay::from(core::time::Duration::from_millis(millis)).await;
    }
}
