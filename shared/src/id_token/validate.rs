//! id_token validation: OpenID Connect Core 1.0 section 3.1.3.7, in order.

use super::{Expectations, IdTokenClaims, NonceCheck, TypRule};
use crate::error::{Error, ErrorCode, Result};
use crate::hex::sha256_hex;
use crate::jose::{JwkSet, SignatureVerifier, UnverifiedJws};
use crate::json;
use crate::verified::Verified;

fn fail(code: ErrorCode, detail: impl Into<String>) -> Error {
    Error::new(code, detail)
}

/// Validates an id_token (OIDC Core 1.0 section 3.1.3.7) and returns its claims with proof.
///
/// `now` is the current Unix time in seconds (the core has no clock). `jwks` is the
/// provider's key set; if this returns [`ErrorCode::NoMatchingKey`] the caller may refetch
/// the key set once (key rotation, section 10.1.1) and call again.
pub async fn validate<V: SignatureVerifier>(
    token: &str,
    jwks: &JwkSet,
    expect: &Expectations,
    now: i64,
    verifier: &V,
) -> Result<Verified<IdTokenClaims>> {
    validate_jws(&UnverifiedJws::parse(token)?, jwks, expect, now, verifier).await
}

/// [`validate`] on a token the caller has already parsed (to learn its `kid` and choose the
/// key set): the same checks, without parsing the token a second time.
pub async fn validate_jws<V: SignatureVerifier>(
    jws: &UnverifiedJws,
    jwks: &JwkSet,
    expect: &Expectations,
    now: i64,
    verifier: &V,
) -> Result<Verified<IdTokenClaims>> {
    // Step 6/7: the algorithm comes from the provider profile, the header only names it.
    let alg = jws.alg_in(&expect.algorithms)?;
    let key = jwks.select(jws, alg)?;
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
    Ok(Verified::new(claims))
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
    check_audience(c, expect)?;
    if c.sub.is_empty() || c.sub.len() > 255 {
        return Err(fail(
            ErrorCode::MalformedClaims,
            "sub must be 1-255 characters",
        ));
    }
    check_times(c, expect, now)?;
    // 11. nonce.
    if !nonce_matches(&expect.nonce, c.nonce.as_deref()) {
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

/// Items 3-5: `aud` contains an allowed client id and no audience we do not trust; several
/// audiences need `azp`; `azp`, when present, is one of our client ids.
fn check_audience(c: &IdTokenClaims, expect: &Expectations) -> Result<()> {
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
    match &c.azp {
        Some(azp) if !trusted(azp) => Err(fail(
            ErrorCode::AuthorizedPartyMismatch,
            "azp is not an allowed client id",
        )),
        None if c.aud.len() > 1 => Err(fail(
            ErrorCode::AuthorizedPartyMismatch,
            "several audiences and no azp",
        )),
        _ => Ok(()),
    }
}

/// Items 9-10: `exp` not passed, `nbf` reached, `iat` neither in the future nor older than
/// the maximum age, each with the allowed skew.
fn check_times(c: &IdTokenClaims, expect: &Expectations, now: i64) -> Result<()> {
    if now >= c.exp.saturating_add(expect.leeway_secs) {
        return Err(fail(ErrorCode::Expired, "the token has expired"));
    }
    if let Some(nbf) = c.nbf {
        if nbf > now.saturating_add(expect.leeway_secs) {
            return Err(fail(ErrorCode::NotYetValid, "the token is not valid yet"));
        }
    }
    if c.iat > now.saturating_add(expect.leeway_secs) {
        return Err(fail(ErrorCode::IssuedAtInvalid, "iat is in the future"));
    }
    if now.saturating_sub(c.iat) > expect.max_age_secs {
        return Err(fail(ErrorCode::IssuedAtInvalid, "the token is too old"));
    }
    Ok(())
}

/// Item 11: the nonce claim against the expected one; absence is an expectation too.
fn nonce_matches(expect: &NonceCheck, got: Option<&str>) -> bool {
    match (expect, got) {
        (NonceCheck::Exact(want), Some(got)) => want == got,
        (NonceCheck::Sha256Hex(raw), Some(got)) => sha256_hex(raw) == got,
        (NonceCheck::Sha256HexOrExact(raw), Some(got)) => raw == got || sha256_hex(raw) == got,
        (NonceCheck::ExpectNone, None) => true,
        _ => false,
    }
}
