//! id_token validation: OpenID Connect Core 1.0 section 3.1.3.7, in order.
//!
//! One entry point, [`validate_id_token`], turns a compact token into
//! [`Verified`]`<`[`IdTokenClaims`]`>`. Nothing is skipped silently: every check that can be
//! relaxed is an explicit value in [`Expectations`] (for example [`NonceCheck::ExpectNone`]).
//!
//! The signature is checked before any claim is interpreted (RFC 8725 section 3.1), so an
//! attacker never sees which claim check a forged token would have failed.

use crate::error::{Error, ErrorCode, Result};
use crate::json;
use crate::jwk::JwkSet;
use crate::jws::{Alg, UnverifiedJws};
use crate::profile::{IssuerRule, ProviderProfile};
use crate::verify::SignatureVerifier;
use serde::de::{self, Deserializer};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::ops::Deref;

/// Proof that a value passed validation. Only this crate can construct one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<T>(T);

impl<T> Verified<T> {
    /// Gives up the proof and returns the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// How the `nonce` claim must look (OIDC Core section 3.1.3.7 item 11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NonceCheck {
    /// The claim must equal this raw nonce exactly.
    Exact(String),
    /// The claim must equal the lowercase hex SHA-256 of this raw nonce (the form Apple's and
    /// Google's JavaScript SDKs send when the app passes a hashed nonce).
    Sha256Hex(String),
    /// Either of the two above: the claim is the raw nonce or its SHA-256 hex (Apple).
    Sha256HexOrExact(String),
    /// The token must carry no nonce at all (flows in which none was sent).
    ExpectNone,
}

/// What the JOSE header `typ` may be (RFC 8725 section 3.11, explicit typing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypRule {
    /// Absent, `JWT` or `application/jwt` (case-insensitive): refuses tokens typed for
    /// another purpose (`at+jwt`, `logout+jwt`, ...) used in place of an id_token.
    JwtOrAbsent,
    /// Not checked (for providers known to put other values there).
    Unchecked,
}

/// What a valid id_token must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    /// How `iss` is checked: exact, or Microsoft's `{tid}` template bound to the token's `tid`.
    pub issuer: IssuerRule,
    /// Client ids that may appear in `aud` and `azp`. At least one must be in `aud`, and
    /// every `aud` member must be one of these (no untrusted extra audience).
    pub client_ids: Vec<String>,
    /// Algorithms allowed by the provider profile; the header `alg` must be one of them.
    pub algorithms: Vec<Alg>,
    /// The nonce rule.
    pub nonce: NonceCheck,
    /// Allowed clock skew for `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: i64,
    /// Oldest `iat` accepted, in seconds before now.
    pub max_age_secs: i64,
    /// The header `typ` rule.
    pub typ: TypRule,
    /// Google Workspace: the `hd` claim must equal this domain.
    pub hosted_domain: Option<String>,
}

impl Expectations {
    /// The expectations a provider profile sets for these client ids and the raw nonce the
    /// client sent (`None`: the token must carry no nonce).
    pub fn for_profile(
        profile: &ProviderProfile,
        client_ids: Vec<String>,
        raw_nonce: Option<&str>,
    ) -> Self {
        Self {
            issuer: profile.issuer.clone(),
            client_ids,
            algorithms: profile.algorithms.clone(),
            nonce: profile.nonce.check(raw_nonce),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            max_age_secs: DEFAULT_MAX_AGE_SECS,
            typ: TypRule::JwtOrAbsent,
            hosted_domain: None,
        }
    }
}

/// Default clock skew allowance: 60 seconds.
pub const DEFAULT_LEEWAY_SECS: i64 = 60;
/// Default maximum id_token age: 10 minutes.
pub const DEFAULT_MAX_AGE_SECS: i64 = 600;

/// The claims Kith reads from an id_token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer identifier.
    pub iss: String,
    /// Subject: the provider's stable id for the user.
    pub sub: String,
    /// Audience(s).
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    /// Expiry, Unix seconds.
    #[serde(deserialize_with = "numeric_date")]
    pub exp: i64,
    /// Issued at, Unix seconds.
    #[serde(deserialize_with = "numeric_date")]
    pub iat: i64,
    /// Not before, Unix seconds.
    #[serde(default, deserialize_with = "opt_numeric_date")]
    pub nbf: Option<i64>,
    /// Authorized party.
    #[serde(default)]
    pub azp: Option<String>,
    /// Nonce.
    #[serde(default)]
    pub nonce: Option<String>,
    /// Email address as the provider states it (trust is decided by the provider profile).
    #[serde(default)]
    pub email: Option<String>,
    /// `email_verified`, accepting Apple's string booleans (`"true"`/`"false"`).
    #[serde(default, deserialize_with = "loose_bool")]
    pub email_verified: Option<bool>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Microsoft: the tenant id.
    #[serde(default)]
    pub tid: Option<String>,
    /// Microsoft: the account's object id in its tenant (stable across app registrations).
    #[serde(default)]
    pub oid: Option<String>,
    /// Microsoft: "email domain owner verified" (optional claim).
    #[serde(default, deserialize_with = "loose_bool")]
    pub xms_edov: Option<bool>,
    /// Google: the Workspace hosted domain.
    #[serde(default)]
    pub hd: Option<String>,
    /// Apple: the email is a private relay address.
    #[serde(default, deserialize_with = "loose_bool")]
    pub is_private_email: Option<bool>,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> core::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    match Aud::deserialize(d)? {
        Aud::One(a) => Ok(vec![a]),
        Aud::Many(v) if !v.is_empty() => Ok(v),
        Aud::Many(_) => Err(de::Error::custom("aud must not be empty")),
    }
}

fn numeric_date<'de, D: Deserializer<'de>>(d: D) -> core::result::Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        // NumericDate may carry a fraction (RFC 7519 section 2); whole seconds suffice.
        Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(f.floor() as i64),
        _ => Err(de::Error::custom("not a NumericDate")),
    }
}

fn opt_numeric_date<'de, D: Deserializer<'de>>(
    d: D,
) -> core::result::Result<Option<i64>, D::Error> {
    numeric_date(d).map(Some)
}

fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> core::result::Result<Option<bool>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(Some(b)),
        serde_json::Value::String(s) if s == "true" => Ok(Some(true)),
        serde_json::Value::String(s) if s == "false" => Ok(Some(false)),
        serde_json::Value::Null => Ok(None),
        _ => Err(de::Error::custom(
            "expected a boolean or \"true\"/\"false\"",
        )),
    }
}

fn fail(code: ErrorCode, detail: impl Into<String>) -> Error {
    Error::new(code, detail)
}

/// Lowercase hex SHA-256 of a raw nonce (for [`NonceCheck::Sha256Hex`]).
pub fn sha256_hex(raw: &str) -> String {
    // Without `format!`: the browser SDK links this and stays free of `core::fmt`.
    let hex = |n: u8| char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 });
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(raw.as_bytes()) {
        out.push(hex(b >> 4));
        out.push(hex(b & 0x0f));
    }
    out
}

/// Validates an id_token (OIDC Core 3.1.3.7) and returns its claims with proof.
///
/// `now` is the current Unix time in seconds (the core has no clock). `jwks` is the
/// provider's key set; if this returns [`ErrorCode::NoMatchingKey`] the caller may refetch
/// the key set once (key rotation) and call again.
pub async fn validate_id_token<V: SignatureVerifier>(
    token: &str,
    jwks: &JwkSet,
    expect: &Expectations,
    now: i64,
    verifier: &V,
) -> Result<Verified<IdTokenClaims>> {
    let jws = UnverifiedJws::parse(token)?;
    // Step 6/7: the algorithm comes from the provider profile, the header only names it.
    let alg = jws.alg_in(&expect.algorithms)?;
    let key = jwks.select(&jws, alg)?;
    if !verifier
        .verify(alg, key, jws.signing_input(), jws.signature())
        .await?
    {
        return Err(fail(
            ErrorCode::InvalidSignature,
            "signature does not verify",
        ));
    }
    if expect.typ == TypRule::JwtOrAbsent {
        if let Some(typ) = &jws.header().typ {
            if !typ.eq_ignore_ascii_case("JWT") && !typ.eq_ignore_ascii_case("application/jwt") {
                return Err(fail(
                    ErrorCode::TypeMismatch,
                    format!("typ \"{typ}\" is not an id_token type"),
                ));
            }
        }
    }
    let claims: IdTokenClaims = json::parse_strict(jws.payload())
        .map_err(|e| fail(ErrorCode::MalformedClaims, format!("claims: {e}")))?;
    check_claims(&claims, expect, now)?;
    Ok(Verified(claims))
}

/// The claim checks of OIDC Core 3.1.3.7 items 2-11, on claims whose signature verified.
fn check_claims(c: &IdTokenClaims, expect: &Expectations, now: i64) -> Result<()> {
    // 2. iss exactly matches the issuer identifier (for Microsoft, bound to the token's tid).
    if !expect.issuer.accepts(c) {
        return Err(fail(
            ErrorCode::IssuerMismatch,
            format!("iss \"{}\" is not the expected issuer", c.iss),
        ));
    }
    // 3. aud contains our client id, and no audience we do not trust.
    let trusted = |a: &String| expect.client_ids.iter().any(|c| c == a);
    if !c.aud.iter().any(trusted) {
        return Err(fail(
            ErrorCode::AudienceMismatch,
            "aud does not contain an allowed client id",
        ));
    }
    if !c.aud.iter().all(trusted) {
        return Err(fail(
            ErrorCode::AudienceMismatch,
            "aud contains an untrusted audience",
        ));
    }
    // 4/5. Several audiences need azp; azp, when present, is one of our client ids.
    match &c.azp {
        Some(azp) if !trusted(azp) => {
            return Err(fail(
                ErrorCode::AuthorizedPartyMismatch,
                "azp is not an allowed client id",
            ))
        }
        None if c.aud.len() > 1 => {
            return Err(fail(
                ErrorCode::AuthorizedPartyMismatch,
                "several audiences and no azp",
            ))
        }
        _ => {}
    }
    if c.sub.is_empty() || c.sub.len() > 255 {
        return Err(fail(
            ErrorCode::MalformedClaims,
            "sub must be 1-255 characters",
        ));
    }
    // 9. exp: the current time is before exp (plus leeway).
    if now >= c.exp.saturating_add(expect.leeway_secs) {
        return Err(fail(ErrorCode::Expired, "the token has expired"));
    }
    if let Some(nbf) = c.nbf {
        if nbf > now.saturating_add(expect.leeway_secs) {
            return Err(fail(ErrorCode::NotYetValid, "the token is not valid yet"));
        }
    }
    // 10. iat: not in the future, not older than the maximum age.
    if c.iat > now.saturating_add(expect.leeway_secs) {
        return Err(fail(ErrorCode::IssuedAtInvalid, "iat is in the future"));
    }
    if now.saturating_sub(c.iat) > expect.max_age_secs {
        return Err(fail(ErrorCode::IssuedAtInvalid, "the token is too old"));
    }
    // 11. nonce.
    let nonce_ok = match (&expect.nonce, &c.nonce) {
        (NonceCheck::Exact(want), Some(got)) => want == got,
        (NonceCheck::Sha256Hex(raw), Some(got)) => &sha256_hex(raw) == got,
        (NonceCheck::Sha256HexOrExact(raw), Some(got)) => raw == got || &sha256_hex(raw) == got,
        (NonceCheck::ExpectNone, None) => true,
        _ => false,
    };
    if !nonce_ok {
        return Err(fail(ErrorCode::NonceMismatch, "nonce does not match"));
    }
    if let Some(domain) = &expect.hosted_domain {
        if c.hd.as_deref() != Some(domain.as_str()) {
            return Err(fail(
                ErrorCode::HostedDomainMismatch,
                "hd is not the required hosted domain",
            ));
        }
    }
    Ok(())
}
