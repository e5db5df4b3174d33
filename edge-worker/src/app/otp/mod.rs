//! Email verification by one-time code (CONTRACT `POST /api/auth/verify-email`): when a
//! provider does not vouch for an email and has `verify_email`, a six-digit code goes to
//! the address through the project's mailer, and the identity joins (or creates) the user
//! who owns the address only once the code comes back.
//!
//! Against guessing: a code lives [`CODE_TTL_SECS`]; each try is counted before the
//! comparison and [`MAX_ATTEMPTS`] wrong ones kill the verification (a resend does not give
//! more); resends wait [`RESEND_COOLDOWN_SECS`] and stop after [`MAX_RESENDS`] (each one
//! moves the expiry to [`CODE_TTL_SECS`] after it); an address has at most
//! [`MAX_LIVE_PER_ADDRESS`] live verifications, and after [`MAX_TRIES_PER_DAY`] wrong codes
//! in 24 hours (summed over its verifications, dead ones kept that long) it gets no new
//! verification and no try until the window passes: someone signing in again and again with
//! an account that claims a victim's address gets at most `MAX_TRIES_PER_DAY` guesses at a
//! million codes a day. Emails: at most `1 + MAX_RESENDS` per verification. The routes are
//! rate-limited per IP. Storage keeps a keyed hash of the code, never the code, and the
//! SHA-256 of the token, never the token. Nothing is recorded until the mailer took the
//! message.

pub mod code;
pub mod webhook;

use super::ports::{CodeMessage, Crypto, MailTarget, Mailer, Platform};
use super::signin::{Fresh, Granted};
use crate::adapters::sql::otp::{
    self as sql, Address, Limits, Pending, PendingRow, Redeem, Redeemed, Tried,
};
use crate::domain::project::Config;
use crate::domain::{Project, ProvenIdentity, Provider, Secret};
use crate::error::{ApiError, ApiResult};
use kith_claims::hex::sha256_hex;

/// How long a code works, seconds.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Wrong codes before the verification is dead.
pub const MAX_ATTEMPTS: i64 = 5;
/// Seconds between two codes of one verification.
pub const RESEND_COOLDOWN_SECS: i64 = 60;
/// Codes sent again per verification (after the first).
pub const MAX_RESENDS: i64 = 3;
/// Live verifications per address and project.
pub const MAX_LIVE_PER_ADDRESS: i64 = 3;
/// Wrong codes per address and project in [`sql::TRIES_WINDOW_SECS`] (24 hours), over all
/// its verifications: then no new verification and no try until the window passes.
pub const MAX_TRIES_PER_DAY: i64 = 20;

const LIMITS: Limits = Limits {
    max_attempts: MAX_ATTEMPTS,
    max_tries: MAX_TRIES_PER_DAY,
};

/// A sign-in that must prove its email first.
pub struct Challenge<'a> {
    pub project: &'a Project,
    pub provider: &'a Provider,
    pub identity: &'a ProvenIdentity,
    /// The user who owns the address (the identity joins them once proven).
    pub link_to: Option<&'a str>,
}

/// Opens the project's mailer (`mailer_not_configured` without one).
async fn target<P: Platform>(p: &P, project: &Project) -> ApiResult<(String, Secret)> {
    let mailer = project
        .mailer
        .as_ref()
        .ok_or(ApiError::MailerNotConfigured)?;
    let secret = super::secrets::mailer_secret(p, project.id.as_str(), mailer).await?;
    Ok((mailer.url.clone(), secret))
}

/// Sends `code` to `to` through the project's mailer.
async fn send<P: Platform>(
    p: &P,
    project: &Project,
    to: &str,
    code: &Secret,
    expires_at: i64,
    now: i64,
) -> ApiResult<()> {
    let (url, secret) = target(p, project).await?;
    let message = CodeMessage {
        to,
        code,
        expires_at,
        project_id: project.id.as_str(),
    };
    let target = MailTarget {
        url: &url,
        secret: &secret,
    };
    p.mailer().deliver(&target, &message, now).await
}

/// Sends the first code and records the verification; the error to answer the sign-in
/// with (`email_verification_required`, carrying the token and the masked address).
/// A delivery that fails records nothing.
pub async fn challenge<P: Platform>(
    p: &P,
    c: &Challenge<'_>,
    fresh: &Fresh,
    now: i64,
) -> ApiResult<ApiError> {
    let email = c
        .identity
        .email()
        .ok_or_else(|| ApiError::Internal("an email verification without an email".into()))?;
    let token = &fresh.verification_id;
    let id = code::row_id(token);
    let expires_at = now + CODE_TTL_SECS;
    let pid = c.project.id.as_str();
    let caps = (MAX_LIVE_PER_ADDRESS, MAX_TRIES_PER_DAY);
    if sql::address_state(p.db(), pid, email, now, caps).await? != Address::Free {
        return Err(ApiError::RateLimited);
    }
    send(
        p,
        c.project,
        email,
        &fresh.verification_code,
        expires_at,
        now,
    )
    .await?;
    let pending = Pending {
        id: &id,
        project_id: pid,
        provider: c.provider.name.as_str(),
        identity: c.identity,
        link_to: c.link_to,
        code_hash: &code::keyed_hash(p.crypto().otp_key(), &id, &fresh.verification_code),
        now,
        expires_at,
    };
    if !sql::create(p.db(), &pending, MAX_LIVE_PER_ADDRESS).await? {
        // Concurrent sign-ins filled the address's verifications meanwhile.
        return Err(ApiError::RateLimited);
    }
    Ok(ApiError::EmailVerificationRequired {
        token: token.clone(),
        email_hint: code::mask(email),
    })
}

/// A verification token as the client sent it, or `verification_not_found`.
fn row_of(token: &str) -> ApiResult<String> {
    match token.len() {
        1..=128 => Ok(code::row_id(token)),
        _ => Err(ApiError::VerificationNotFound),
    }
}

/// `POST /api/auth/verify-email`: the session, once the code is right.
pub async fn verify<P: Platform>(
    p: &P,
    config: &Config,
    token: &str,
    given: &Secret,
    fresh: &Fresh,
    now: i64,
) -> ApiResult<Granted> {
    if !code::well_formed(given.expose()) {
        return Err(ApiError::InvalidRequest(
            "\"code\" must be the six digits sent".into(),
        ));
    }
    let id = row_of(token)?;
    let project = &config.project;
    let pid = project.id.as_str();
    let row = match sql::attempt(p.db(), &id, pid, now, LIMITS).await? {
        Tried::Counted(row) => row,
        Tried::Unknown => return Err(ApiError::VerificationNotFound),
        Tried::Expired => return Err(ApiError::VerificationExpired),
        Tried::Dead => return Err(ApiError::TooManyAttempts),
        Tried::Guessed => return Err(ApiError::RateLimited),
    };
    if !code::matches(p.crypto().otp_key(), &id, given, &row.code_hash) {
        return Err(ApiError::InvalidCode);
    }
    let provider = super::config::enabled_provider(config, &row.provider)?;
    redeem(p, project, provider, &id, &row, fresh, now).await
}

async fn redeem<P: Platform>(
    p: &P,
    project: &Project,
    provider: &Provider,
    id: &str,
    row: &PendingRow,
    fresh: &Fresh,
    now: i64,
) -> ApiResult<Granted> {
    let amr = format!("social:{}", provider.name);
    let amr_json = serde_json::json!([amr]).to_string();
    let refresh_hash = sha256_hex(fresh.refresh_token.expose());
    let r = Redeem {
        id,
        project_id: project.id.as_str(),
        row,
        new_user_id: &fresh.user_id,
        session_id: fresh.session_id.as_str(),
        refresh_hash: &refresh_hash,
        amr_json: &amr_json,
        now,
        session_expires_at: now + project.settings.session_ttl_secs,
    };
    match sql::redeem(p.db(), &r).await? {
        Redeemed::SignedIn(user) => Ok(Granted {
            user,
            session_id: fresh.session_id.clone(),
            refresh_token: fresh.refresh_token.clone(),
            amr,
        }),
        Redeemed::Taken => Err(ApiError::VerificationNotFound),
        Redeemed::EmailTaken => Err(ApiError::EmailInUse),
    }
}

/// `POST /api/auth/verify-email/resend`: a new code to the same address; the old one
/// stops working. Nothing changes when the mailer fails.
pub async fn resend<P: Platform>(p: &P, project: &Project, token: &str, now: i64) -> ApiResult<()> {
    let id = row_of(token)?;
    let row = sql::find(p.db(), &id, project.id.as_str())
        .await?
        .ok_or(ApiError::VerificationNotFound)?;
    if row.attempts >= MAX_ATTEMPTS {
        return Err(ApiError::TooManyAttempts);
    }
    if row.expires_at <= now {
        return Err(ApiError::VerificationExpired);
    }
    if now - row.sent_at < RESEND_COOLDOWN_SECS {
        return Err(ApiError::RateLimited);
    }
    if row.resends >= MAX_RESENDS {
        return Err(ApiError::TooManyResends);
    }
    let fresh_code = code::draw(p.crypto())?;
    let expires_at = now + CODE_TTL_SECS;
    send(p, project, &row.email, &fresh_code, expires_at, now).await?;
    let new_hash = code::keyed_hash(p.crypto().otp_key(), &id, &fresh_code);
    let r = sql::Replace {
        id: &id,
        old_hash: &row.code_hash,
        new_hash: &new_hash,
        now,
        expires_at,
        max_attempts: MAX_ATTEMPTS,
    };
    match sql::replace_code(p.db(), &r).await? {
        true => Ok(()),
        // A concurrent resend, redemption or last wrong guess won: the code just sent is
        // not a live one.
        false => Err(ApiError::RateLimited),
    }
}
