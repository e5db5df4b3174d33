//! The Worker's master secrets and the keys derived from them, one per purpose.
//!
//! `SECRETS_KEY` holds one or more 32-byte keys (base64url, comma-separated): the first
//! seals, every one opens, so a key rotates by putting a new one first, letting values be
//! re-sealed as they are read (a client secret at its next use, a provider token at its next
//! read), then removing the old one. Each purpose
//! gets its own key by HKDF-SHA256 (RFC 5869) with a distinct `info`, so a key used for one
//! job (sealing) is never the key of another (refresh successors, the flow's derived values).
//!
//! A sealed value is `k1.<key id>.<base64url(iv || ciphertext || tag)>`, AES-256-GCM with
//! associated data that names the row it belongs to: copied into another row, it does not
//! open. Values sealed before key ids existed (bare base64url, the raw key, no associated
//! data) still open, and are reported stale so they get re-sealed.

use hkdf::Hkdf;
use kith_claims::b64;
use sha2::{Digest, Sha256};
use std::fmt;

/// What a derived key is for (the HKDF `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// AES-256-GCM for secrets at rest.
    Seal,
    /// AES-256-GCM for the providers' access and refresh tokens (the vault): its own key,
    /// so a provider token and a client secret are never sealed under the same one.
    ProviderToken,
    /// HMAC of refresh-token successors.
    RefreshSuccessor,
    /// HMAC of the server-driven flow's verifier, nonce and refresh token.
    Flow,
    /// HMAC of email verification codes (what storage keeps instead of the code).
    EmailCode,
}

impl Purpose {
    fn info(self) -> &'static [u8] {
        match self {
            Self::Seal => b"kith/seal/aes-256-gcm/v1",
            Self::ProviderToken => b"kith/provider-token/aes-256-gcm/v1",
            Self::RefreshSuccessor => b"kith/refresh-successor/hmac-sha256/v1",
            Self::Flow => b"kith/server-flow/hmac-sha256/v1",
            Self::EmailCode => b"kith/email-code/hmac-sha256/v1",
        }
    }
}

/// What a sealed value is: chooses the AES key ([`Purpose`]) and whether the first,
/// unbound format may still open (only for client secrets, which existed before it changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
    /// Provider client secrets and Apple keys ([`Purpose::Seal`]).
    ProviderSecret,
    /// Provider access and refresh tokens ([`Purpose::ProviderToken`]); never legacy.
    ProviderToken,
}

impl Sealing {
    /// The key purpose.
    pub fn purpose(self) -> Purpose {
        match self {
            Self::ProviderSecret => Purpose::Seal,
            Self::ProviderToken => Purpose::ProviderToken,
        }
    }

    /// Whether a value of the first format (no key id, no associated data) may open.
    pub fn admits_legacy(self) -> bool {
        matches!(self, Self::ProviderSecret)
    }
}

/// One master key with its id.
#[derive(Clone)]
pub struct MasterKey {
    /// The first 8 hex digits of SHA-256 of the key: names it in sealed values.
    pub id: String,
    raw: [u8; 32],
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, [redacted])", self.id)
    }
}

impl MasterKey {
    /// The key for `purpose`.
    pub fn derive(&self, purpose: Purpose) -> [u8; 32] {
        let mut out = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit (255 * 32): expand cannot fail.
        let _ = Hkdf::<Sha256>::new(None, &self.raw).expand(purpose.info(), &mut out);
        out
    }

    /// The raw key: what sealed values of the first format were encrypted with.
    pub fn legacy_seal_key(&self) -> [u8; 32] {
        self.raw
    }
}

/// The master keys, the sealing one first.
#[derive(Debug, Clone)]
pub struct Keyring {
    sealing: MasterKey,
    older: Vec<MasterKey>,
}

impl Keyring {
    /// Parses `SECRETS_KEY`: one or more base64url 32-byte keys, comma-separated. Fails
    /// loudly: a malformed key is never silently replaced.
    pub fn parse(secret: &str) -> Result<Self, String> {
        let keys = secret
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| {
                let raw: [u8; 32] = b64::decode(k)
                    .and_then(|b| b.try_into().ok())
                    .ok_or("SECRETS_KEY: every key must be 32 bytes of base64url")?;
                let digest = Sha256::digest(raw);
                let id = kith_claims::hex::encode(digest.get(..4).unwrap_or_default());
                Ok(MasterKey { id, raw })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut keys = keys.into_iter();
        let sealing = keys.next().ok_or("SECRETS_KEY holds no key")?;
        Ok(Self {
            sealing,
            older: keys.collect(),
        })
    }

    /// The key that seals new values.
    pub fn sealing(&self) -> &MasterKey {
        &self.sealing
    }

    /// Every key, the sealing one first.
    pub fn all(&self) -> impl Iterator<Item = &MasterKey> {
        core::iter::once(&self.sealing).chain(self.older.iter())
    }

    /// The key with `id`.
    pub fn by_id(&self, id: &str) -> Option<&MasterKey> {
        self.all().find(|k| k.id == id)
    }
}

/// A sealed value, parsed.
pub enum Envelope {
    /// `k1.<kid>.<bytes>`.
    V1 { kid: String, bytes: Vec<u8> },
    /// The first format: bare base64url, the raw key, no associated data.
    Legacy(Vec<u8>),
}

impl Envelope {
    pub fn parse(sealed: &str) -> Option<Self> {
        match sealed.strip_prefix("k1.") {
            Some(rest) => {
                let (kid, body) = rest.split_once('.')?;
                Some(Self::V1 {
                    kid: kid.to_owned(),
                    bytes: b64::decode(body)?,
                })
            }
            None => b64::decode(sealed).map(Self::Legacy),
        }
    }

    /// The text of a value sealed under `kid`.
    pub fn v1(kid: &str, iv_and_ciphertext: &[u8]) -> String {
        format!("k1.{kid}.{}", b64::encode(iv_and_ciphertext))
    }
}

/// The associated data of a provider's sealed secret: its project and provider.
pub fn provider_secret_aad(project_id: &str, provider: &str) -> String {
    format!("kith provider secret\0{project_id}\0{provider}")
}

/// Which token of a vault row a sealed value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenField {
    Access,
    Refresh,
}

/// The associated data of a provider token in the vault: its project, provider, subject and
/// field. Moved to another identity's row (or swapped between access and refresh), it does
/// not open.
pub fn provider_token_aad(
    project_id: &str,
    provider: &str,
    subject: &str,
    field: TokenField,
) -> String {
    let field = match field {
        TokenField::Access => "access",
        TokenField::Refresh => "refresh",
    };
    format!("kith provider token\0{project_id}\0{provider}\0{subject}\0{field}")
}
