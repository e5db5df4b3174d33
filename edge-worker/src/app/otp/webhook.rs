//! The production mailer: an HTTPS webhook of the project's, posted through the [`Http`]
//! port. The body is `{"to", "code", "expires_at", "project_id"}`; the header
//! `kith-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` lets the
//! receiver check that Kith sent it and when (reject old `t` to stop replays), as Stripe's
//! webhook signatures do.

use crate::app::ports::{CodeMessage, Http, MailTarget, Mailer};
use crate::domain::mailer::origin;
use crate::error::{ApiError, ApiResult};
use hmac::{Hmac, Mac};
use kith_claims::oauth::HttpRequest;
use sha2::Sha256;

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "kith-signature";

/// The webhook mailer over an HTTP client.
pub struct Webhook<H>(pub H);

/// `t=<now>,v1=<hex HMAC-SHA256(secret, "<now>.<body>")>`. A key HMAC refuses is an
/// internal error, never an unsigned post.
pub fn signature(secret: &[u8], now: i64, body: &str) -> ApiResult<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|_| ApiError::Internal("the mailer secret is no HMAC key".into()))?;
    mac.update(format!("{now}.").as_bytes());
    mac.update(body.as_bytes());
    let hex = kith_claims::hex::encode(mac.finalize().into_bytes());
    Ok(format!("t={now},v1={hex}"))
}

/// The signed POST of one message.
pub fn signed_request(
    target: &MailTarget<'_>,
    m: &CodeMessage<'_>,
    now: i64,
) -> ApiResult<HttpRequest> {
    let body = serde_json::json!({
        "to": m.to,
        "code": m.code.expose(),
        "expires_at": m.expires_at,
        "project_id": m.project_id,
    })
    .to_string();
    let signed = signature(target.secret.expose().as_bytes(), now, &body)?;
    Ok(HttpRequest {
        method: "POST",
        url: target.url.to_owned(),
        headers: vec![
            ("content-type", "application/json".to_owned()),
            (SIGNATURE_HEADER, signed),
        ],
        body,
    })
}

impl<H: Http> Mailer for Webhook<H> {
    /// Any answer but 2xx, or no answer, is `mailer_unavailable`. The reason names the URL's
    /// origin and the status only: never the body (it holds the code), the path, nor a
    /// platform message.
    async fn deliver(&self, t: &MailTarget<'_>, m: &CodeMessage<'_>, now: i64) -> ApiResult<()> {
        let request = signed_request(t, m, now)?;
        // The origin only: a webhook URL may carry a credential in its path or query.
        let url = origin(t.url);
        match self.0.send(&request).await {
            Ok(answer) if (200..300).contains(&answer.status) => Ok(()),
            Ok(answer) => Err(ApiError::MailerUnavailable(format!(
                "{url}: HTTP {}",
                answer.status
            ))),
            Err(_) => Err(ApiError::MailerUnavailable(format!("{url}: unreachable"))),
        }
    }
}
