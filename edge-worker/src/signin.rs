//! The sign-in and session services, generic over the storage port: they apply the linking
//! decision of kith-claims to the database. No JavaScript here, so they run natively against
//! the SQLite twin in tests.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::model::{Project, Provider, UserOut};
use crate::repo::{self, PendingVerification, SignIn, SignInOutcome};
use hmac::{Hmac, Mac};
use kith_claims::linking::{decide, EmailOwner, LinkingInput};
use kith_claims::{b64, LinkDecision};
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256: how refresh tokens, codes and single-use keys are stored.
pub fn hash_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `base64url(HMAC-SHA256(key, label || 0x00 || value))`: values derived from a public one
/// with the Worker's secret, so they need not be stored.
pub fn derive(key: &[u8], label: &str, value: &str) -> String {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(label.as_bytes());
    mac.update(b"\0");
    mac.update(value.as_bytes());
    b64::encode(mac.finalize().into_bytes())
}

/// The successor of a refresh token. Deterministic, so racing tabs presenting one token all
/// get the same successor, and only hashes are stored.
pub fn successor_token(key: &[u8], token: &str) -> String {
    derive(key, "kith refresh successor", token)
}

/// What the provider proved, after verification.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub subject: String,
    pub email: Option<String>,
    pub email_trusted: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    /// Single-use keys and until when to keep them (Unix seconds).
    pub replay_keys: Vec<(String, i64)>,
}

/// Fresh random values for one sign-in (from the runtime's CSPRNG; fixed in tests).
pub struct Fresh {
    pub user_id: String,
    pub session_id: String,
    pub refresh_token: String,
    pub verification_id: String,
    pub verification_code: String,
}

/// A successful sign-in, before the access token is signed.
#[derive(Debug)]
pub struct Granted {
    pub user: UserOut,
    pub session_id: String,
    pub refresh_token: String,
    pub amr: String,
}

/// How long an email verification lives.
pub const VERIFICATION_TTL_SECS: i64 = 15 * 60;

/// Applies the linking policy for a verified identity: signs in, links or creates, or refuses
/// with the CONTRACT's 403/409 codes. Two hypothetical decisions (a user owns the email or
/// not) are computed in Rust; the database picks the one that holds inside the transaction.
pub async fn complete_sign_in<D: Db>(
    db: &D,
    project: &Project,
    provider: &Provider,
    id: &VerifiedIdentity,
    fresh: &Fresh,
    now: i64,
) -> ApiResult<Granted> {
    let base = LinkingInput {
        linked_user: None,
        email: id.email.as_deref(),
        email_trusted: id.email_trusted,
        email_owner: None,
        options: provider.config.options.link_options(),
        self_registration: project.self_registration,
    };
    let if_no_owner = decide(&base);
    if if_no_owner == LinkDecision::SignInDisabled {
        return Err(ApiError::SignInDisabled);
    }
    let if_owner = decide(&LinkingInput {
        email_owner: Some(EmailOwner { user_id: "" }),
        ..base
    });
    // The email only takes part in matching when the provider uses it as an identifier.
    let email_for_match = id
        .email
        .as_deref()
        .filter(|_| provider.config.options.use_email_as_identifier);
    let amr = format!("social:{}", provider.name);
    let amr_json = serde_json::json!([amr]).to_string();
    let refresh_hash = hash_hex(&fresh.refresh_token);
    let outcome = repo::sign_in(
        db,
        &SignIn {
            project_id: &project.id,
            provider: &provider.name,
            subject: &id.subject,
            email: id.email.as_deref(),
            match_email: email_for_match,
            email_trusted: id.email_trusted,
            name: id.name.as_deref(),
            picture: id.picture.as_deref(),
            new_user_id: &fresh.user_id,
            session_id: &fresh.session_id,
            refresh_hash: &refresh_hash,
            amr_json: &amr_json,
            now,
            session_expires_at: now + project.settings.session_ttl_secs,
            replay_keys: &id.replay_keys,
            if_owner: if email_for_match.is_some() {
                if_owner
            } else {
                if_no_owner.clone()
            },
            if_no_owner,
        },
    )
    .await?;
    match outcome {
        SignInOutcome::SignedIn(user) => Ok(Granted {
            user,
            session_id: fresh.session_id.clone(),
            refresh_token: fresh.refresh_token.clone(),
            amr,
        }),
        SignInOutcome::Refused(LinkDecision::EmailVerificationRequired { link_to }) => {
            let email = id.email.as_deref().unwrap_or_default();
            repo::create_email_verification(
                db,
                &PendingVerification {
                    id: &fresh.verification_id,
                    project_id: &project.id,
                    provider: &provider.name,
                    subject: &id.subject,
                    email,
                    name: id.name.as_deref(),
                    picture: id.picture.as_deref(),
                    link_to: link_to.as_deref(),
                    code_hash: &hash_hex(&fresh.verification_code),
                    now,
                    expires_at: now + VERIFICATION_TTL_SECS,
                },
            )
            .await?;
            Err(ApiError::EmailVerificationRequired(
                fresh.verification_id.clone(),
            ))
        }
        SignInOutcome::Refused(LinkDecision::EmailInUse) => Err(ApiError::EmailInUse),
        SignInOutcome::Refused(LinkDecision::SignupDisabled) => Err(ApiError::SignupDisabled),
        SignInOutcome::Refused(LinkDecision::SignInDisabled) => Err(ApiError::SignInDisabled),
        SignInOutcome::Refused(other) => {
            Err(ApiError::Internal(format!("unexpected refusal {other:?}")))
        }
    }
}

/// `POST /api/auth/refresh`: rotates `token` (see `repo::refresh` for the grace rule).
pub async fn refresh<D: Db>(
    db: &D,
    project: &Project,
    token: &str,
    successor_key: &[u8],
    now: i64,
) -> ApiResult<Granted> {
    if token.is_empty() || token.len() > 256 {
        return Err(ApiError::InvalidRefreshToken);
    }
    let successor = successor_token(successor_key, token);
    let refreshed = repo::refresh(
        db,
        &project.id,
        &hash_hex(token),
        &hash_hex(&successor),
        now,
        project.settings.refresh_grace_secs,
    )
    .await?
    .ok_or(ApiError::InvalidRefreshToken)?;
    Ok(Granted {
        user: refreshed.user,
        session_id: refreshed.session_id,
        refresh_token: successor,
        amr: refreshed.amr.into_iter().next().unwrap_or_default(),
    })
}

/// The answer to a link or unlink: the user, or the refusal as its stable error.
pub fn identity_answer(change: repo::IdentityChange) -> ApiResult<UserOut> {
    match change {
        repo::IdentityChange::Done(user) => Ok(user),
        repo::IdentityChange::SessionGone => {
            Err(ApiError::InvalidToken("session revoked or expired".into()))
        }
        repo::IdentityChange::OwnedByAnother => Err(ApiError::IdentityAlreadyLinked),
        repo::IdentityChange::LastIdentity => Err(ApiError::LastIdentity),
        repo::IdentityChange::NotLinked => Err(ApiError::IdentityNotFound),
    }
}
