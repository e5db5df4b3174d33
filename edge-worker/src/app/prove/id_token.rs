//! An id_token proven: signature against the provider's key set (through the
//! [`SignatureVerifier`](kith_claims::jose::SignatureVerifier) of the platform), then OIDC Core
//! 3.1.3.7 by kith-claims; what the issuer signed, and the nonce, become single-use keys.
//!
//! **Single use is keyed on the signed claims, not on the token string.** A compact JWS has
//! more than one valid spelling of the same signed statement: ECDSA signatures are malleable
//! (`(r, s)` and `(r, n - s)` both verify, and neither WebCrypto nor RustCrypto refuses the
//! high-S form, nor can we: ordinary ES256 signers emit it half the time), and a lenient
//! base64url decoder would admit other encodings of the same bytes. So the replay key is the
//! SHA-256 of the *decoded payload*: the exact claim bytes the issuer asserted, whatever the
//! signature or the encoding. Not a canonical subset of claims (`iss`+`sub`+`iat`...): those
//! can coincide for two genuine sign-ins in the same second (no `jti`, no nonce) and would
//! refuse the second; the whole payload differs between any two issuances (`iat`, `nonce`,
//! `jti`, `exp`...), and when it does not, the issuer made the same statement twice and one
//! use of it is right. The header is left out on purpose: the same claims signed under two
//! keys or algorithms are still one assertion.

use super::apple::first_login_name;
use crate::app::ports::{KeySource, Platform};
use crate::domain::identity::ReplayKey;
use crate::domain::{ProvenIdentity, Provider};
use crate::error::{ApiError, ApiResult};
use kith_claims::hex::{self, sha256_hex};
use kith_claims::id_token::{self, IdTokenClaims, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_AGE_SECS};
use kith_claims::jose::UnverifiedJws;
use kith_claims::providers::ProviderProfile;
use kith_claims::Verified;
use sha2::{Digest, Sha256};

/// An id_token as presented, with the raw nonce the client kept and Apple's `user` field.
pub struct Presented<'a> {
    pub id_token: &'a str,
    pub nonce: Option<&'a str>,
    pub apple_user: Option<&'a serde_json::Value>,
}

/// A verified id_token and the identity of what its issuer signed.
pub struct VerifiedToken {
    pub claims: Verified<IdTokenClaims>,
    /// Lower-case hex SHA-256 of the decoded payload: the same for every encoding of the
    /// token (see the module docs).
    pub signed_claims_digest: String,
}

/// Verifies the token for `provider` at `now`.
pub async fn verify<P: Platform>(
    p: &P,
    provider: &Provider,
    profile: &ProviderProfile,
    id_token: &str,
    nonce: Option<&str>,
    now: i64,
) -> ApiResult<VerifiedToken> {
    let cfg = &provider.config;
    let mut client_ids = vec![cfg.client_id.clone()];
    client_ids.extend(cfg.allowed_client_ids.iter().cloned());
    let mut expect = profile.expectations(client_ids, nonce);
    expect.hosted_domain = cfg.hosted_domain.clone();
    let refused = |e: kith_claims::Error| {
        ApiError::InvalidSocialLogin(format!("id_token from {}: {e}", provider.name))
    };
    // Parsed once: the header names the kid that chooses the key set (nothing in it is
    // trusted), and `validate_jws` checks these same payload bytes.
    let jws = UnverifiedJws::parse(id_token).map_err(refused)?;
    let kid = jws.header().kid.as_deref();
    let jwks_uri = profile.endpoints.jwks.as_deref().unwrap_or_default();
    let keys = p.keys().keys_for(jwks_uri, now, kid).await?;
    let claims = id_token::validate_jws(&jws, &keys, &expect, now, p.crypto())
        .await
        .map_err(refused)?;
    Ok(VerifiedToken {
        claims,
        signed_claims_digest: hex::encode(Sha256::digest(jws.payload())),
    })
}

/// Verifies the token and makes the identity it proves.
pub async fn prove<P: Platform>(
    p: &P,
    provider: &Provider,
    profile: &ProviderProfile,
    token: &Presented<'_>,
    now: i64,
) -> ApiResult<ProvenIdentity> {
    let verified = verify(p, provider, profile, token.id_token, token.nonce, now).await?;
    Ok(identity(profile, &verified, token))
}

/// The identity a verified token proves, with its single-use keys.
fn identity(
    profile: &ProviderProfile,
    verified: &VerifiedToken,
    token: &Presented<'_>,
) -> ProvenIdentity {
    let claims = &verified.claims;
    // Replay protection: what the issuer signed (in any encoding, see the module docs), and
    // the nonce, are good for one sign-in each, remembered until the token could no longer
    // be accepted anyway.
    let keep_until = claims.exp.max(claims.iat + DEFAULT_MAX_AGE_SECS) + DEFAULT_LEEWAY_SECS;
    let mut replay_keys = vec![ReplayKey {
        key: format!("idt:{}", verified.signed_claims_digest),
        keep_until,
    }];
    if let Some(n) = token.nonce {
        replay_keys.push(ReplayKey {
            key: format!("nonce:{}", sha256_hex(n)),
            keep_until,
        });
    }
    // Apple sends the name only in the first form_post's `user` field.
    let apple_name = first_login_name(token.apple_user);
    let proof = profile.identity(claims).map(|mut id| {
        if apple_name.is_some() {
            id.name = apple_name;
        }
        id
    });
    ProvenIdentity::from_proof(proof, replay_keys)
}
