//! Opening a provider's (or a project mailer's) sealed secret, re-sealing it under the
//! current key when it was sealed under an older one (key rotation completes as they are
//! used).

use super::ports::{Crypto, Platform};
use crate::adapters::sql::admin as sql;
use crate::domain::{Mailer, Provider, Secret};
use crate::error::ApiResult;

/// The provider's client secret (or Apple key), `None` for a public client.
pub async fn provider_secret<P: Platform>(p: &P, provider: &Provider) -> ApiResult<Option<Secret>> {
    let Some(sealed) = &provider.client_secret_enc else {
        return Ok(None);
    };
    let aad = provider.secret_aad();
    let (secret, stale) = p.crypto().open(sealed, &aad).await?;
    if stale {
        let fresh = p.crypto().seal(&secret, &aad).await?;
        // Only if the row still holds what was opened: a concurrent re-seal or admin change wins.
        sql::replace_sealed(
            p.db(),
            &provider.project_id,
            provider.name.as_str(),
            sealed,
            &fresh,
        )
        .await?;
    }
    Ok(Some(secret))
}

/// The project's mailer secret (the webhook's HMAC key).
pub async fn mailer_secret<P: Platform>(p: &P, pid: &str, mailer: &Mailer) -> ApiResult<Secret> {
    let aad = Mailer::secret_aad(pid);
    let (secret, stale) = p.crypto().open(&mailer.secret_enc, &aad).await?;
    if stale {
        let fresh = p.crypto().seal(&secret, &aad).await?;
        // Only if the row still holds what was opened.
        sql::replace_mailer_sealed(p.db(), pid, &mailer.secret_enc, &fresh).await?;
    }
    Ok(secret)
}
