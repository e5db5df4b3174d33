//! The sign-in service: applies kith-claims' linking decision for a [`ProvenIdentity`] to
//! the database. Generic over the storage port, so it runs natively on the SQLite twin.

use super::ports::{random, random_uuid, Crypto};
use super::refresh_token;
use crate::adapters::sql::signin::{self as sql, SignIn, SignInOutcome};
use crate::app::store::Db;
use crate::app::vault::{self, Vault};
use crate::domain::{Project, ProvenIdentity, Provider, RefreshToken, Secret, SessionId, UserOut};
use crate::error::{ApiError, ApiResult};
use kith_claims::b64;
use kith_claims::hex::sha256_hex as hash_hex;
use kith_claims::linking::{EmailOwner, Grant, LinkingInput, Refusal};

/// Fresh random values for one sign-in (from the runtime's CSPRNG; fixed in tests).
#[derive(Debug)]
pub struct Fresh {
    pub user_id: String,
    pub session_id: SessionId,
    pub refresh_token: RefreshToken,
    pub verification_id: String,
    pub verification_code: Secret,
}

impl Fresh {
    /// Draws the values from `crypto`'s CSPRNG.
    pub fn draw<C: Crypto>(crypto: &C) -> ApiResult<Self> {
        let session_id = random_uuid(crypto)?;
        let secret = b64::encode(random::<32, C>(crypto)?);
        Ok(Self {
            user_id: random_uuid(crypto)?,
            refresh_token: refresh_token::first(crypto.refresh_keys(), &session_id, &secret),
            session_id: SessionId::new(session_id),
            verification_id: b64::encode(random::<32, C>(crypto)?),
            verification_code: super::otp::code::draw(crypto)?,
        })
    }
}

/// A successful sign-in or refresh, before the access token is signed. Its `Debug` shows no
/// token.
#[derive(Debug)]
pub struct Granted {
    pub user: UserOut,
    pub session_id: SessionId,
    pub refresh_token: RefreshToken,
    pub amr: String,
}

/// What the linking policy made of a proven identity.
#[derive(Debug)]
pub enum Completed {
    /// Signed in (or up): the session.
    Granted(Box<Granted>),
    /// The provider does not vouch for the email and has `verify_email`: the address must be
    /// proven by a code first (`app::otp::challenge`); then the identity joins `link_to`
    /// (the user who owns the address) or a new user. Nothing was written.
    VerifyEmail { link_to: Option<String> },
}

/// A linking decision: what to do, or why not.
type Decision = Result<Grant, Refusal>;

/// The two hypothetical linking decisions (no user owns the email / one does); the database
/// picks the one that holds inside the transaction.
fn decisions(
    project: &Project,
    provider: &Provider,
    id: &ProvenIdentity,
) -> ApiResult<(Decision, Decision)> {
    let base = LinkingInput {
        linked_user: None,
        email: id.email(),
        email_trusted: id.email_trusted(),
        email_owner: None,
        options: provider.config.options.link_options(),
        self_registration: project.self_registration,
    };
    let if_no_owner = base.decide();
    if if_no_owner == Err(Refusal::SignInDisabled) {
        return Err(ApiError::SignInDisabled);
    }
    let if_owner = LinkingInput {
        email_owner: Some(EmailOwner { user_id: "" }),
        ..base
    }
    .decide();
    Ok((if_no_owner, if_owner))
}

/// Applies the linking policy for a proven identity: signs in, links or creates, asks for
/// an email verification, or refuses with the CONTRACT's 403/409 codes. Keeps no provider
/// token.
pub async fn complete_sign_in<D: Db>(
    db: &D,
    project: &Project,
    provider: &Provider,
    id: &ProvenIdentity,
    fresh: &Fresh,
    now: i64,
) -> ApiResult<Completed> {
    let none = Vault::Nothing;
    complete_sign_in_keeping(db, (project, provider), id, &none, fresh, now).await
}

/// [`complete_sign_in`], writing `vault` (the code exchange's sealed provider tokens) in the
/// same batch: stored only if the sign-in succeeds.
pub async fn complete_sign_in_keeping<D: Db>(
    db: &D,
    (project, provider): (&Project, &Provider),
    id: &ProvenIdentity,
    vault: &Vault,
    fresh: &Fresh,
    now: i64,
) -> ApiResult<Completed> {
    let (if_no_owner, if_owner) = decisions(project, provider, id)?;
    // The email only takes part in matching when the provider uses it as an identifier and
    // the address can be one (printable ASCII: `kith_claims::email`), as in the decision.
    let email_for_match = id.email().filter(|e| {
        provider.config.options.use_email_as_identifier && kith_claims::email::is_identifier(e)
    });
    let amr = format!("social:{}", provider.name);
    let amr_json = serde_json::json!([amr]).to_string();
    let refresh_hash = hash_hex(fresh.refresh_token.expose());
    let outcome = sql::sign_in(
        db,
        &SignIn {
            project_id: project.id.as_str(),
            provider: provider.name.as_str(),
            identity: id,
            match_email: email_for_match,
            new_user_id: &fresh.user_id,
            session_id: fresh.session_id.as_str(),
            refresh_hash: &refresh_hash,
            amr_json: &amr_json,
            now,
            session_expires_at: now + project.settings.session_ttl_secs,
            vault,
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
        SignInOutcome::SignedIn(user) => Ok(Completed::Granted(Box::new(Granted {
            user,
            session_id: fresh.session_id.clone(),
            refresh_token: fresh.refresh_token.clone(),
            amr,
        }))),
        SignInOutcome::Replayed => Err(ApiError::InvalidSocialLogin(
            "replayed nonce or id_token".into(),
        )),
        SignInOutcome::Refused(Refusal::EmailVerificationRequired { link_to }) => {
            Ok(Completed::VerifyEmail { link_to })
        }
        SignInOutcome::Refused(Refusal::EmailInUse) => Err(ApiError::EmailInUse),
        SignInOutcome::Refused(Refusal::SignupDisabled) => Err(ApiError::SignupDisabled),
        SignInOutcome::Refused(Refusal::SignInDisabled) => Err(ApiError::SignInDisabled),
    }
}

/// `POST /api/auth/login/social`: proves the account, then applies the linking policy.
pub async fn sign_in<P: super::ports::Platform>(
    p: &P,
    project: &Project,
    provider: &Provider,
    claim: super::prove::Claim,
    now: i64,
) -> ApiResult<Granted> {
    let fresh = Fresh::draw(p.crypto())?;
    sign_in_with(p, project, provider, claim, &fresh, now).await
}

/// A sign-in with chosen fresh values (the server-driven flow derives the refresh token).
pub async fn sign_in_with<P: super::ports::Platform>(
    p: &P,
    project: &Project,
    provider: &Provider,
    claim: super::prove::Claim,
    fresh: &Fresh,
    now: i64,
) -> ApiResult<Granted> {
    let proven = super::prove::prove(p, provider, claim, now).await?;
    let identity = proven.identity;
    let vault = vault::seal_grant(p.crypto(), provider, identity.subject(), &proven.grant, now);
    let vault = vault.await?;
    let pair = (project, provider);
    match complete_sign_in_keeping(p.db(), pair, &identity, &vault, fresh, now).await? {
        Completed::Granted(granted) => Ok(*granted),
        Completed::VerifyEmail { link_to } => {
            let challenge = super::otp::Challenge {
                project,
                provider,
                identity: &identity,
                link_to: link_to.as_deref(),
            };
            Err(super::otp::challenge(p, &challenge, fresh, now).await?)
        }
    }
}
