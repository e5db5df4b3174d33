//! Reading a provider token (`GET /api/auth/identities/{provider}/token` and its admin twin),
//! renewing it at the provider when it is within [`MARGIN_SECS`] of expiry.
//!
//! Concurrent reads near expiry cause one renewal at the provider: the request that claims
//! the row's lease (a conditional UPDATE, `adapters/sql/vault.rs`) renews; the others wait
//! ([`Platform::pause`]) and re-read until the row moved on. A refused renewal
//! (`invalid_grant`: the grant is revoked) drops the stored token and answers `409
//! reauthorization_required`; a provider that fails answers `503 provider_unavailable` and
//! the token is kept.

use super::{expiry, open_field, seal_field, ProviderTokenOut, SealedGrant};
use crate::adapters::sql::vault::{self as sql, Found, Held, Reader, Stored};
use crate::app::keyring::TokenField;
use crate::app::ports::{random, Http, Platform};
use crate::app::secrets::provider_secret;
use crate::domain::{Project, Provider, Secret, TokenAuthMethod};
use crate::error::{ApiError, ApiResult};
use kith_claims::oauth::{
    process_renewal_response, ClientAuth, ClientSecret, Renewal, TokenRenewal,
};
use kith_claims::providers::{granted_scopes, RenewalStyle};

/// A token this close to expiry (seconds) is renewed before it is answered.
pub const MARGIN_SECS: i64 = 60;
/// How long a renewal may hold the row before another request may take over.
const LEASE_SECS: i64 = 20;
/// How long a waiting request pauses between re-reads, and how many times.
const WAIT_MS: u64 = 150;
const WAITS: u32 = 40;

/// What a stored token needs before it is answered.
#[derive(Debug, PartialEq, Eq)]
enum Due {
    /// Answer it.
    Fresh,
    /// Renew it first.
    Renew,
    /// Expired and not renewable: drop it.
    Dead,
}

/// The policy: fresh until [`MARGIN_SECS`] before expiry; then renewed if the provider can
/// (a refresh token, or Facebook's exchange); else answered while it lives, then dead.
fn due(row: &Stored, style: RenewalStyle, now: i64) -> Due {
    let Some(at) = row.expires_at else {
        return Due::Fresh;
    };
    let renewable = match style {
        RenewalStyle::RefreshGrant => row.refresh_enc.is_some(),
        RenewalStyle::FacebookExchange => true,
        RenewalStyle::NoApiToken => false,
    };
    match (at - now > MARGIN_SECS, renewable, at > now) {
        (true, _, _) => Due::Fresh,
        (false, true, _) => Due::Renew,
        (false, false, true) => Due::Fresh,
        (false, false, false) => Due::Dead,
    }
}

/// The provider's access token for `reader`'s identity of `provider`.
pub async fn provider_token<P: Platform>(
    p: &P,
    project: &Project,
    provider: &Provider,
    reader: Reader<'_>,
    now: i64,
) -> ApiResult<ProviderTokenOut> {
    let style = provider.kind().renewal();
    if style == RenewalStyle::NoApiToken {
        return Err(ApiError::ProviderTokenUnsupported);
    }
    if matches!(reader, Reader::Session { .. }) && !provider.config.options.expose_tokens_to_client
    {
        return Err(ApiError::TokenAccessDenied);
    }
    let pid = project.id.as_str();
    let mut row = match sql::read(p.db(), pid, provider.name.as_str(), reader, now).await? {
        Found::Token(row) => row,
        Found::Nothing => return Err(ApiError::NoProviderToken),
        Found::NoReader => {
            return Err(match reader {
                Reader::Session { .. } => {
                    ApiError::InvalidToken("session revoked or expired".into())
                }
                Reader::Admin { .. } => ApiError::UserNotFound,
            })
        }
    };
    for _ in 0..WAITS {
        let key = [pid, provider.name.as_str(), row.subject.as_str()];
        match due(&row, style, now) {
            Due::Fresh => return answer(p, provider, &row).await,
            Due::Dead => {
                sql::drop_token(p.db(), key, Held::Version(row.version)).await?;
                return Err(ApiError::ReauthorizationRequired(
                    "the token expired and cannot be renewed".into(),
                ));
            }
            Due::Renew => {}
        }
        let lease = kith_claims::b64::encode(random::<16, _>(p.crypto())?);
        if sql::claim_lease(p.db(), key, row.version, &lease, [now, now + LEASE_SECS]).await? {
            return renew(p, provider, &row, &lease, now).await;
        }
        // Another request renews: wait for the row to move on. Its result is answered while
        // alive, even inside the margin (no chain of renewals for short-lived tokens).
        p.pause(WAIT_MS).await;
        let seen = row.version;
        row = sql::reread(p.db(), key).await?.ok_or_else(|| {
            ApiError::ReauthorizationRequired("dropped by a concurrent renewal".into())
        })?;
        if row.version != seen && row.expires_at.is_none_or(|at| at > now) {
            return answer(p, provider, &row).await;
        }
    }
    Err(ApiError::ProviderUnavailable(
        "a concurrent renewal did not finish in time".into(),
    ))
}

async fn answer<P: Platform>(
    p: &P,
    provider: &Provider,
    row: &Stored,
) -> ApiResult<ProviderTokenOut> {
    let subject = row.subject.as_str();
    let opened = open_field(
        p.crypto(),
        provider,
        subject,
        TokenField::Access,
        &row.access_enc,
    );
    let (token, stale) = opened.await?;
    if stale {
        reseal(p, provider, row, &token).await?;
    }
    Ok(ProviderTokenOut {
        access_token: token.expose().to_owned(),
        expires_at: row.expires_at,
        scopes: row.scopes.clone(),
    })
}

/// Re-seals a row sealed under an older master key (key rotation completes as tokens are
/// read), only if it still holds what was opened.
async fn reseal<P: Platform>(
    p: &P,
    provider: &Provider,
    row: &Stored,
    access: &Secret,
) -> ApiResult<()> {
    let subject = row.subject.as_str();
    let fresh = seal_field(
        p.crypto(),
        provider,
        subject,
        TokenField::Access,
        access.expose(),
    );
    let fresh = fresh.await?;
    let refresh = match &row.refresh_enc {
        Some(sealed) => {
            let opened = open_field(p.crypto(), provider, subject, TokenField::Refresh, sealed);
            let (rt, _) = opened.await?;
            let sealed = seal_field(
                p.crypto(),
                provider,
                subject,
                TokenField::Refresh,
                rt.expose(),
            );
            Some(sealed.await?)
        }
        None => None,
    };
    let key = [
        provider.project_id.as_str(),
        provider.name.as_str(),
        subject,
    ];
    let sealed = [row.access_enc.as_str(), fresh.as_str()];
    sql::resealed(p.db(), key, sealed, refresh.as_deref()).await?;
    Ok(())
}

/// Renews under `lease` and answers the new token, or drops it (revoked), or gives the
/// lease back (the provider failed).
async fn renew<P: Platform>(
    p: &P,
    provider: &Provider,
    row: &Stored,
    lease: &str,
    now: i64,
) -> ApiResult<ProviderTokenOut> {
    let key = [
        provider.project_id.as_str(),
        provider.name.as_str(),
        row.subject.as_str(),
    ];
    let outcome = ask_provider(p, provider, row).await;
    let tokens = match outcome {
        Ok(Renewal::Renewed(tokens)) => tokens,
        Ok(Renewal::Revoked(why)) => {
            sql::drop_token(p.db(), key, Held::Lease(lease)).await?;
            return Err(ApiError::ReauthorizationRequired(why));
        }
        Ok(Renewal::Failed(why)) => {
            sql::release(p.db(), key, lease).await?;
            return Err(ApiError::ProviderUnavailable(format!(
                "token renewal: {why}"
            )));
        }
        Err(e) => {
            sql::release(p.db(), key, lease).await?;
            return Err(e);
        }
    };
    let subject = row.subject.as_str();
    let access = seal_field(
        p.crypto(),
        provider,
        subject,
        TokenField::Access,
        &tokens.access_token,
    );
    let refresh = match &tokens.refresh_token {
        // Rotated: the new one replaces the old; omitted: the old one is kept.
        Some(rt) => Some(seal_field(p.crypto(), provider, subject, TokenField::Refresh, rt).await?),
        None => None,
    };
    let scopes = granted_scopes(tokens.scope.as_deref(), &row.scopes);
    let grant = SealedGrant {
        access: access.await?,
        refresh,
        expires_at: expiry(now, tokens.expires_in),
        scopes_json: serde_json::to_string(&scopes).unwrap_or_else(|_| "[]".into()),
    };
    if !sql::renewed(p.db(), key, lease, &grant, now).await? {
        return Err(ApiError::ProviderUnavailable(
            "the renewal lease expired".into(),
        ));
    }
    Ok(ProviderTokenOut {
        access_token: tokens.access_token,
        expires_at: grant.expires_at,
        scopes,
    })
}

/// Sends the renewal request (built by kith-claims) and reads the answer. A transport
/// failure is `provider_unavailable`, its reason redacted with the request.
async fn ask_provider<P: Platform>(p: &P, provider: &Provider, row: &Stored) -> ApiResult<Renewal> {
    let cfg = &provider.config;
    let secret = provider_secret(p, provider).await?;
    let secret = ClientSecret::new(secret.map(|s| s.expose().to_owned()).unwrap_or_default());
    let renewal = TokenRenewal {
        token_endpoint: &cfg.token_endpoint,
        client_id: &cfg.client_id,
        client_secret: &secret,
        auth: match cfg.token_endpoint_auth_method {
            TokenAuthMethod::ClientSecretBasic => ClientAuth::Basic,
            TokenAuthMethod::ClientSecretPost => ClientAuth::Post,
        },
    };
    let request = match (provider.kind().renewal(), &row.refresh_enc) {
        (RenewalStyle::FacebookExchange, _) => {
            let access = open_field(
                p.crypto(),
                provider,
                &row.subject,
                TokenField::Access,
                &row.access_enc,
            );
            renewal.facebook_exchange(access.await?.0.expose())
        }
        (RenewalStyle::RefreshGrant, Some(sealed)) => {
            let rt = open_field(
                p.crypto(),
                provider,
                &row.subject,
                TokenField::Refresh,
                sealed,
            );
            renewal.refresh_grant(rt.await?.0.expose())
        }
        (RenewalStyle::RefreshGrant, None) => {
            return Ok(Renewal::Revoked("no refresh token".into()))
        }
        (RenewalStyle::NoApiToken, _) => return Err(ApiError::ProviderTokenUnsupported),
    };
    let answer = p
        .http()
        .send(&request)
        .await
        .map_err(|e| e.redacted(&request))?;
    Ok(
        match process_renewal_response(answer.status, &answer.body) {
            Renewal::Revoked(why) => Renewal::Revoked(request.redact(&why)),
            Renewal::Failed(why) => Renewal::Failed(request.redact(&why)),
            renewed => renewed,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(expires_at: Option<i64>, refresh: bool) -> Stored {
        Stored {
            subject: "s".into(),
            access_enc: "a".into(),
            refresh_enc: refresh.then(|| "r".into()),
            expires_at,
            scopes: vec![],
            version: 1,
            lease_until: None,
        }
    }

    #[test]
    fn due_renews_within_the_margin_and_drops_only_dead_unrenewable_tokens() {
        let g = RenewalStyle::RefreshGrant;
        assert_eq!(due(&row(None, false), g, 100), Due::Fresh);
        assert_eq!(due(&row(Some(161), true), g, 100), Due::Fresh);
        assert_eq!(due(&row(Some(160), true), g, 100), Due::Renew);
        assert_eq!(due(&row(Some(150), false), g, 100), Due::Fresh);
        assert_eq!(due(&row(Some(100), false), g, 100), Due::Dead);
        let fb = RenewalStyle::FacebookExchange;
        assert_eq!(due(&row(Some(90), false), fb, 100), Due::Renew);
    }
}
