//! Kith's own access tokens, verified for Rust backends (CONTRACT "Keys and discovery" and
//! "Server entry": the same check as `kith-sdk/server`'s `verifyAccessToken`).
//!
//! Sans-I/O like the rest of the crate: the caller fetches the Worker's key set
//! (`{issuer}/.well-known/jwks.json`) and parses it with [`JwkSet::parse`], and passes the
//! time. The rules, in order:
//! 1. the compact JWS is parsed strictly ([`UnverifiedJws::parse`]: embedded keys, `crit`
//!    and `b64` refused); the header's `alg` must be **ES256**, the only algorithm Kith signs
//!    with (RFC 8725 section 3.1: the header names the algorithm, it never chooses it); `typ`
//!    is `JWT` or absent (RFC 8725 section 3.11);
//! 2. the key is the one of the set that matches the `kid` ([`JwkSet::select`]); an unknown
//!    `kid` is [`ErrorCode::NoMatchingKey`]: refetch the set at most once per
//!    [`crate::jose::jwks_cache::REFETCH_COOLDOWN_SECS`] ([`crate::jose::jwks_cache::decide`])
//!    and call again;
//! 3. the signature verifies (raw `r || s`, RFC 7518 section 3.4);
//! 4. `iss` is exactly the issuer, `aud` exactly the project id (RFC 7519 sections 4.1.1,
//!    4.1.3), `exp` not passed and `iat` not in the future, both with a skew of at most
//!    [`MAX_LEEWAY_SECS`]; `sub` and `sid` are present.
//!
//! Whether the session was signed out since is not in the token: ask the Worker's
//! `POST /api/auth/session/check` (`{"sid"}` → `{"active"}`) for sensitive requests.

use crate::error::{Error, ErrorCode, Result};
use crate::jose::{Alg, Jwk, JwkSet, SignatureVerifier, UnverifiedJws};
use crate::json;
use crate::verified::Verified;
use serde::{Deserialize, Serialize};

/// Clock skew allowed by default, seconds.
pub const DEFAULT_LEEWAY_SECS: i64 = 5;
/// Largest clock skew a caller may allow, seconds.
pub const MAX_LEEWAY_SECS: i64 = 60;
/// Longest `sub` or `sid` accepted.
const MAX_ID_LEN: usize = 255;

/// The claims of a Kith access token (CONTRACT "Keys and discovery").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct AccessClaims {
    /// The Kith Worker's URL.
    pub iss: String,
    /// The project id.
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The session id (what `POST /api/auth/session/check` asks about).
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default)]
    pub email: Option<String>,
    pub email_verified: bool,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    /// How the user signed in, e.g. `["social:google"]`.
    pub amr: Vec<String>,
}

/// What a backend expects of the tokens it accepts: the issuer and the project, both exact,
/// and the clock skew it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessExpectations {
    issuer: String,
    project_id: String,
    leeway_secs: i64,
}

impl AccessExpectations {
    /// Tokens of `issuer` (the Kith Worker's URL, compared exactly with `iss`) for
    /// `project_id` (compared exactly with `aud`), with [`DEFAULT_LEEWAY_SECS`] of skew.
    pub fn new(issuer: impl Into<String>, project_id: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            project_id: project_id.into(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
        }
    }

    /// Allows `secs` of clock skew: 0 to [`MAX_LEEWAY_SECS`], else [`ErrorCode::InvalidInput`].
    pub fn with_leeway(mut self, secs: i64) -> Result<Self> {
        if !(0..=MAX_LEEWAY_SECS).contains(&secs) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("the clock skew must be 0-{MAX_LEEWAY_SECS} seconds"),
            ));
        }
        self.leeway_secs = secs;
        Ok(self)
    }

    /// The issuer whose key set verifies the tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

/// Verifies a Kith access token at `now` (Unix seconds) with the Worker's key set `jwks`;
/// see the module documentation for the rules. The signature goes through `verifier`
/// (WebCrypto in a Worker, [`crate::jose::RustCryptoVerifier`] natively).
pub async fn verify<V: SignatureVerifier>(
    token: &str,
    jwks: &JwkSet,
    expect: &AccessExpectations,
    now: i64,
    verifier: &V,
) -> Result<Verified<AccessClaims>> {
    let (jws, key) = parse(token, jwks)?;
    let valid = verifier
        .verify(Alg::Es256, key, jws.signing_input(), jws.signature())
        .await?;
    finish(&jws, valid, expect, now)
}

/// [`verify`] with the RustCrypto verifier, synchronously (for std-only servers).
#[cfg(feature = "rustcrypto")]
pub fn verify_now(
    token: &str,
    jwks: &JwkSet,
    expect: &AccessExpectations,
    now: i64,
) -> Result<Verified<AccessClaims>> {
    let (jws, key) = parse(token, jwks)?;
    let valid = crate::jose::RustCryptoVerifier::verify_now(
        Alg::Es256,
        key,
        jws.signing_input(),
        jws.signature(),
    );
    finish(&jws, valid, expect, now)
}

/// Steps 1-2: the strict parse, ES256 only, `typ`, and the key for the token's `kid`.
fn parse<'k>(token: &str, jwks: &'k JwkSet) -> Result<(UnverifiedJws, &'k Jwk)> {
    let jws = UnverifiedJws::parse(token)?;
    let alg = jws.alg_in(&[Alg::Es256])?;
    match jws.header().typ.as_deref() {
        None => {}
        Some(typ) if typ.eq_ignore_ascii_case("JWT") => {}
        Some(typ) => {
            return Err(Error::new(
                ErrorCode::TypeMismatch,
                format!("typ \"{typ}\" is not an access token type"),
            ))
        }
    }
    let key = jwks.select(&jws, alg)?;
    Ok((jws, key))
}

/// Steps 3-4: the signature's answer, then the claims.
fn finish(
    jws: &UnverifiedJws,
    signature_valid: bool,
    expect: &AccessExpectations,
    now: i64,
) -> Result<Verified<AccessClaims>> {
    if !signature_valid {
        return Err(Error::new(
            ErrorCode::InvalidSignature,
            "signature does not verify",
        ));
    }
    let claims: AccessClaims = json::parse_strict(jws.payload())
        .map_err(|e| Error::new(ErrorCode::MalformedClaims, format!("claims: {e}")))?;
    check_claims(&claims, expect, now)?;
    Ok(Verified::new(claims))
}

fn check_claims(c: &AccessClaims, expect: &AccessExpectations, now: i64) -> Result<()> {
    if c.iss != expect.issuer {
        return Err(Error::new(
            ErrorCode::IssuerMismatch,
            format!("iss \"{}\" is not the expected issuer", c.iss),
        ));
    }
    if c.aud != expect.project_id {
        return Err(Error::new(
            ErrorCode::AudienceMismatch,
            "aud is not this project",
        ));
    }
    for (name, value) in [("sub", &c.sub), ("sid", &c.sid)] {
        if value.is_empty() || value.len() > MAX_ID_LEN {
            return Err(Error::new(
                ErrorCode::MalformedClaims,
                format!("{name} must be 1-{MAX_ID_LEN} characters"),
            ));
        }
    }
    if now >= c.exp.saturating_add(expect.leeway_secs) {
        return Err(Error::new(ErrorCode::Expired, "the token has expired"));
    }
    if c.iat > now.saturating_add(expect.leeway_secs) {
        return Err(Error::new(
            ErrorCode::IssuedAtInvalid,
            "iat is in the future",
        ));
    }
    Ok(())
}
