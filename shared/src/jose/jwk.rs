//! JSON Web Keys (RFC 7517) and key selection for signature verification.
//!
//! Only public verification keys are kept: RSA (modulus of at least 2048 bits, RFC 8725
//! section 3.5), EC P-256 and OKP Ed25519. A key whose `use`, `alg` or `key_ops` says it is
//! not for verifying signatures with the token's algorithm is never selected.

use super::jws::{Alg, UnverifiedJws};
use crate::error::{Error, ErrorCode, Result};
use crate::{b64, json};
use serde::Deserialize;

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Most keys accepted in one JWKS document.
pub const MAX_KEYS: usize = 64;
/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_LEN: usize = 64 * 1024;

/// The key material of a public JWK, decoded (RFC 7518 section 6.2.1 and 6.3.1, RFC 8037
/// section 2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyMaterial {
    /// RSA public key: big-endian modulus and exponent, without leading zeros.
    Rsa {
        /// Modulus.
        n: Vec<u8>,
        /// Public exponent.
        e: Vec<u8>,
    },
    /// P-256 public point coordinates (32 bytes each).
    P256 {
        /// x coordinate.
        x: Vec<u8>,
        /// y coordinate.
        y: Vec<u8>,
    },
    /// Ed25519 public key (32 bytes).
    Ed25519 {
        /// The public key.
        x: Vec<u8>,
    },
}

/// A validated public JWK (RFC 7517 section 4): verification keys only, never private parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    kid: Option<String>,
    alg: Option<Alg>,
    material: KeyMaterial,
    /// The key as the provider published it, minus anything private (for WebCrypto import).
    public_json: serde_json::Value,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    alg: Option<String>,
    key_ops: Option<Vec<String>>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// Members that only a private or symmetric key has (RFC 7518 sections 6.2.2, 6.3.2 and
/// 6.4.1): a key that carries any of them was published by mistake, so its private half is
/// public and nothing it signs proves anything.
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

fn invalid(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidJwks, detail)
}

/// A member's canonical base64url bytes; `None` when absent or not canonical.
fn field(value: Option<&String>) -> Option<Vec<u8>> {
    value.and_then(|text| b64::decode(text))
}

impl Jwk {
    /// The key id, if the provider gave one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The decoded key material.
    pub fn material(&self) -> &KeyMaterial {
        &self.material
    }

    /// The public key as JSON (for `crypto.subtle.importKey("jwk", ...)`); never private parts.
    pub fn public_json(&self) -> &serde_json::Value {
        &self.public_json
    }

    /// Whether this key may verify signatures made with `alg`.
    pub fn suits(&self, alg: Alg) -> bool {
        let kind_ok = matches!(
            (&self.material, alg),
            (KeyMaterial::Rsa { .. }, Alg::Rs256)
                | (KeyMaterial::P256 { .. }, Alg::Es256)
                | (KeyMaterial::Ed25519 { .. }, Alg::EdDsa)
        );
        kind_ok && self.alg.is_none_or(|a| a == alg)
    }

    /// Parses one member of a key set. `None` for every key Kith cannot or must not verify
    /// with (RFC 7517 section 5: "implementations SHOULD ignore JWKs ... that use "kty"
    /// values that are not understood by them, that are missing required members, or for
    /// which values are out of the supported ranges"): not a JSON object of JWK shape,
    /// private or symmetric members, encryption keys, unknown `kty`/`crv`/`alg`, members
    /// that are not canonical base64url, RSA below [`MIN_RSA_BITS`], wrong point sizes. So one
    /// odd key in a provider's set never breaks sign-in with the others, and a skipped key
    /// can never be selected: a token naming it finds [`ErrorCode::NoMatchingKey`].
    fn from_value(value: serde_json::Value) -> Option<Self> {
        let members = value.as_object()?;
        if PRIVATE_MEMBERS.iter().any(|m| members.contains_key(*m)) {
            return None;
        }
        let raw: RawJwk = serde_json::from_value(value.clone()).ok()?;
        if raw.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        if let Some(ops) = &raw.key_ops {
            if !ops.iter().any(|op| op == "verify") {
                return None;
            }
        }
        let alg = match raw.alg.as_deref() {
            None => None,
            Some(name) => Some(Alg::from_name(name)?),
        };
        let material = Self::material_of(&raw)?;
        Some(Self {
            kid: raw.kid,
            alg,
            material,
            public_json: value,
        })
    }

    /// The key material of a public RSA, P-256 or Ed25519 JWK within Kith's bounds.
    fn material_of(raw: &RawJwk) -> Option<KeyMaterial> {
        match (raw.kty.as_str(), raw.crv.as_deref()) {
            ("RSA", _) => {
                let n = strip_zeros(field(raw.n.as_ref())?);
                let e = strip_zeros(field(raw.e.as_ref())?);
                let bits = (n.len() * 8)
                    .saturating_sub(n.first().map_or(0, |b| b.leading_zeros() as usize));
                let usable = bits >= MIN_RSA_BITS && !e.is_empty() && e.len() <= 8;
                usable.then_some(KeyMaterial::Rsa { n, e })
            }
            ("EC", Some("P-256")) => {
                let x = field(raw.x.as_ref())?;
                let y = field(raw.y.as_ref())?;
                (x.len() == 32 && y.len() == 32).then_some(KeyMaterial::P256 { x, y })
            }
            ("OKP", Some("Ed25519")) => {
                let x = field(raw.x.as_ref())?;
                (x.len() == 32).then_some(KeyMaterial::Ed25519 { x })
            }
            _ => None,
        }
    }
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// A provider's key set (RFC 7517 section 5), reduced to usable verification keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

impl JwkSet {
    /// Parses a JWKS document (RFC 7517 section 5). The document itself is read strictly: a
    /// JSON object within the size cap, no duplicate members at any depth, a `keys` array of
    /// at most [`MAX_KEYS`] members; anything else is [`ErrorCode::InvalidJwks`] (the Worker
    /// answers `provider_unavailable`). Its keys are read leniently: every key Kith cannot or
    /// must not use (weak RSA, private members, unknown `kty`/`crv`, bad base64url, see
    /// `Jwk::from_value`) is skipped, so a set may parse with no usable key at all, and then
    /// every token finds [`ErrorCode::NoMatchingKey`].
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_JWKS_LEN {
            return Err(invalid("JWKS document exceeds the size limit"));
        }
        let raw: RawSet =
            json::parse_strict(bytes).map_err(|e| invalid(format!("not a JWKS document: {e}")))?;
        if raw.keys.len() > MAX_KEYS {
            return Err(invalid("JWKS has too many keys"));
        }
        let keys = raw.keys.into_iter().filter_map(Jwk::from_value).collect();
        Ok(Self { keys })
    }

    /// The usable keys.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Whether a key with this `kid` is present (used to decide on a refetch).
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid() == Some(kid))
    }

    /// Selects the key that verifies `jws` with `alg`.
    ///
    /// With a `kid`, the key must carry that `kid`. Without one, exactly one key may suit the
    /// algorithm: several candidates are refused rather than tried one by one (as the OpenID
    /// RP conformance suite allows), so a forged token cannot go key-shopping.
    pub fn select(&self, jws: &UnverifiedJws, alg: Alg) -> Result<&Jwk> {
        let mut candidates = self.keys.iter().filter(|k| k.suits(alg));
        match jws.header().kid.as_deref() {
            Some(kid) => candidates.find(|k| k.kid() == Some(kid)).ok_or_else(|| {
                Error::new(
                    ErrorCode::NoMatchingKey,
                    format!("no {alg} key with kid \"{kid}\""),
                )
            }),
            None => match (candidates.next(), candidates.next()) {
                (Some(only), None) => Ok(only),
                (None, _) => Err(Error::new(
                    ErrorCode::NoMatchingKey,
                    format!("no {alg} key"),
                )),
                (Some(_), Some(_)) => Err(Error::new(
                    ErrorCode::AmbiguousKey,
                    "token has no kid and several keys match",
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    const EC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

    fn ec(kid: &str) -> String {
        format!(r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","x":"{EC_X}","y":"{EC_Y}"}}"#)
    }

    fn jws(header: &str) -> UnverifiedJws {
        let t = format!(
            "{}.{}.{}",
            b64::encode(header),
            b64::encode("{}"),
            b64::encode([1u8; 64])
        );
        UnverifiedJws::parse(&t).expect("parses")
    }

    #[test]
    fn selects_key_by_kid() {
        let set =
            JwkSet::parse(format!(r#"{{"keys":[{},{}]}}"#, ec("a"), ec("b")).as_bytes()).unwrap();
        let key = set
            .select(&jws(r#"{"alg":"ES256","kid":"b"}"#), Alg::Es256)
            .unwrap();
        assert_eq!(key.kid(), Some("b"));
        let err = set
            .select(&jws(r#"{"alg":"ES256","kid":"c"}"#), Alg::Es256)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NoMatchingKey);
    }

    #[test]
    fn kid_absent_accepts_a_single_key_and_refuses_several() {
        let one = JwkSet::parse(format!(r#"{{"keys":[{}]}}"#, ec("a")).as_bytes()).unwrap();
        assert!(one.select(&jws(r#"{"alg":"ES256"}"#), Alg::Es256).is_ok());
        let two =
            JwkSet::parse(format!(r#"{{"keys":[{},{}]}}"#, ec("a"), ec("b")).as_bytes()).unwrap();
        let err = two
            .select(&jws(r#"{"alg":"ES256"}"#), Alg::Es256)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::AmbiguousKey);
    }

    #[test]
    fn skips_weak_rsa_keys_and_private_keys() {
        let n = b64::encode([0xc1u8; 128]); // 1024-bit modulus
        let weak = format!(r#"{{"keys":[{{"kty":"RSA","n":"{n}","e":"AQAB"}}]}}"#);
        assert!(JwkSet::parse(weak.as_bytes()).unwrap().keys().is_empty());
        let private = format!(
            r#"{{"keys":[{{"kty":"EC","crv":"P-256","x":"{EC_X}","y":"{EC_Y}","d":"AA"}}]}}"#
        );
        assert!(JwkSet::parse(private.as_bytes()).unwrap().keys().is_empty());
    }

    #[test]
    fn ignores_encryption_keys_and_keys_for_other_algorithms() {
        let doc = format!(
            r#"{{"keys":[{{"kty":"EC","crv":"P-256","use":"enc","x":"{EC_X}","y":"{EC_Y}"}},{{"kty":"EC","crv":"P-256","alg":"ES384","x":"{EC_X}","y":"{EC_Y}"}}]}}"#
        );
        let set = JwkSet::parse(doc.as_bytes()).unwrap();
        assert!(set.keys().is_empty());
    }

    #[test]
    fn key_of_one_type_never_verifies_another_algorithm() {
        let set = JwkSet::parse(format!(r#"{{"keys":[{}]}}"#, ec("a")).as_bytes()).unwrap();
        let err = set
            .select(&jws(r#"{"alg":"RS256","kid":"a"}"#), Alg::Rs256)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NoMatchingKey);
    }
}
