//! Identities of a signed-in user: link a provider account (proven exactly as a sign-in
//! proves it: same forms, checks and single use) and unlink one (never the last).

use super::ports::{random, Platform};
use super::prove::{self, Claim};
use super::sessions::AccessClaims;
use super::vault::{self, Vault};
use crate::adapters::sql::identities::{self as sql, IdentityChange, Link};
use crate::app::store::Db;
use crate::domain::{Project, ProvenIdentity, Provider, UserOut};
use crate::error::{ApiError, ApiResult};

/// The answer to a link or unlink: the user, or the refusal as its stable error.
pub fn answer(change: IdentityChange) -> ApiResult<UserOut> {
    match change {
        IdentityChange::Done(user) => Ok(user),
        IdentityChange::SessionGone => {
            Err(ApiError::InvalidToken("session revoked or expired".into()))
        }
        IdentityChange::OwnedByAnother => Err(ApiError::IdentityAlreadyLinked),
        IdentityChange::LastIdentity => Err(ApiError::LastIdentity),
        IdentityChange::NotLinked => Err(ApiError::IdentityNotFound),
        IdentityChange::Replayed => Err(ApiError::InvalidSocialLogin(
            "replayed nonce or id_token".into(),
        )),
    }
}

/// Attaches a proven identity to the session's user, keeping `vault` (its sealed provider
/// tokens) when it becomes theirs.
pub async fn attach<D: Db>(
    db: &D,
    (project, provider): (&Project, &Provider),
    identity: &ProvenIdentity,
    vault: &Vault,
    who: &AccessClaims,
    claim: &str,
    now: i64,
) -> ApiResult<UserOut> {
    let change = sql::link_identity_keeping(
        db,
        &Link {
            project_id: project.id.as_str(),
            user_id: &who.sub,
            sid: &who.sid,
            provider: provider.name.as_str(),
            identity,
            claim,
            now,
        },
        vault,
    )
    .await?;
    answer(change)
}

/// `POST /api/auth/identities`.
pub async fn link<P: Platform>(
    p: &P,
    project: &Project,
    provider: &Provider,
    claim: Claim,
    who: &AccessClaims,
    now: i64,
) -> ApiResult<UserOut> {
    if claim.apple_user.is_some() {
        return Err(ApiError::InvalidRequest(
            "\"user\" is only read on a first Apple sign-in".into(),
        ));
    }
    let proven = prove::prove(p, provider, claim, now).await?;
    let id = &proven.identity;
    let vault = vault::seal_grant(p.crypto(), provider, id.subject(), &proven.grant, now).await?;
    // This request's claim on the token's single-use keys: random, unique per request.
    let claim_id = kith_claims::b64::encode(random::<16, _>(p.crypto())?);
    attach(p.db(), (project, provider), id, &vault, who, &claim_id, now).await
}

/// `DELETE /api/auth/identities/{provider}`.
pub async fn unlink<D: Db>(
    db: &D,
    project: &Project,
    provider: &str,
    who: &AccessClaims,
    now: i64,
) -> ApiResult<UserOut> {
    let change =
        sql::unlink_identity(db, project.id.as_str(), &who.sub, &who.sid, provider, now).await?;
    answer(change)
}
