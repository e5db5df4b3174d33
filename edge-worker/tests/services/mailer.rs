//! The project's mailer: the webhook's signed request (a receiver can check it with the
//! README's recipe), failures that quote no code, and the admin API that configures it
//! (URL policy, secret sealed and never returned, `verify_email` refused without it).

use super::native::native;
use super::otp::HOOK;
use super::world::{now, PID};
use futures_executor::block_on;
use hmac::{Hmac, Mac};
use kith_claims::oauth::HttpRequest;
use kith_worker::adapters::twins::http::{json, HttpTwin};
use kith_worker::app::admin::{projects, providers};
use kith_worker::app::otp::webhook::{signed_request, Webhook, SIGNATURE_HEADER};
use kith_worker::app::ports::{CodeMessage, MailTarget, Mailer};
use kith_worker::domain::Secret;
use kith_worker::error::ApiError;
use serde_json::{json as j, Value};
use sha2::Sha256;

const WHSEC: &str = "whsec-0123456789abcdef";
const CODE: &str = "482913";

fn message<'a>(code: &'a Secret) -> CodeMessage<'a> {
    CodeMessage {
        to: "alice@example.com",
        code,
        expires_at: now() + 600,
        project_id: PID,
    }
}

/// What a receiver does: split `t=..,v1=..`, HMAC `"<t>.<body>"` with the shared secret.
fn receiver_accepts(request: &HttpRequest, secret: &str) -> bool {
    let header = request
        .headers
        .iter()
        .find(|(k, _)| *k == SIGNATURE_HEADER)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let (t, v1) = header.split_once(',').unwrap();
    let (t, v1) = (
        t.strip_prefix("t=").unwrap(),
        v1.strip_prefix("v1=").unwrap(),
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{}", request.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    t == now().to_string() && v1 == expected
}

#[test]
fn the_webhook_posts_the_message_signed_with_the_projects_secret() {
    let secret = Secret::new(WHSEC);
    let code = Secret::new(CODE);
    let target = MailTarget {
        url: HOOK,
        secret: &secret,
    };
    let request = signed_request(&target, &message(&code), now()).unwrap();
    assert_eq!((request.method, request.url.as_str()), ("POST", HOOK));
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        body,
        j!({"to": "alice@example.com", "code": CODE, "expires_at": now() + 600, "project_id": PID})
    );
    assert!(receiver_accepts(&request, WHSEC));
    assert!(!receiver_accepts(&request, "another-secret-of-16"));
    let mut tampered = request.clone();
    tampered.body = tampered.body.replace(CODE, "000000");
    assert!(!receiver_accepts(&tampered, WHSEC), "the body is signed");
}

#[test]
fn a_webhook_answering_non_2xx_or_unreachable_is_mailer_unavailable_without_the_code() {
    let secret = Secret::new(WHSEC);
    let code = Secret::new(CODE);
    let target = MailTarget {
        url: HOOK,
        secret: &secret,
    };
    let http = HttpTwin::default();
    http.route(HOOK, |_| json(204, &j!(null)));
    let hook = Webhook(http);
    block_on(hook.deliver(&target, &message(&code), now())).unwrap();
    hook.0.route(HOOK, |r| json(500, &j!({"echo": r.body})));
    let e = block_on(hook.deliver(&target, &message(&code), now())).unwrap_err();
    assert!(
        matches!(&e, ApiError::MailerUnavailable(why) if !why.contains(CODE)),
        "{e:?}"
    );
    let down = Webhook(HttpTwin::default());
    let e = block_on(down.deliver(&target, &message(&code), now())).unwrap_err();
    assert!(
        matches!(&e, ApiError::MailerUnavailable(why) if !why.contains(CODE)),
        "{e:?}"
    );
}

fn put_project(n: &super::native::Native, body: Value) -> Result<Value, ApiError> {
    block_on(projects::put(&n.p, PID, body.to_string().as_bytes(), now()))
}

fn project(mailer: Value) -> Value {
    j!({"name": "native", "redirect_urls": ["https://app.example/cb"], "mailer": mailer})
}

#[test]
fn the_mailer_secret_is_sealed_at_rest_and_never_returned() {
    let n = native();
    let out = put_project(&n, project(j!({"url": HOOK, "secret": WHSEC}))).unwrap();
    assert_eq!(out["mailer"], j!({"url": HOOK, "has_secret": true}));
    let got = block_on(projects::get(&n.p.db, PID)).unwrap();
    assert!(!got.to_string().contains(WHSEC), "{got}");
    let rows = n.p.db.query("SELECT mailer_secret_enc FROM projects");
    let sealed = rows[0]["mailer_secret_enc"].as_str().unwrap();
    assert!(sealed.starts_with("k1.") && !sealed.contains(WHSEC));
    // The secret is write-only: a PUT without it keeps the stored one.
    let kept = put_project(&n, project(j!({"url": "https://mail.example/v2"}))).unwrap();
    assert_eq!(kept["mailer"]["url"], "https://mail.example/v2");
    let rows = n.p.db.query("SELECT mailer_secret_enc FROM projects");
    assert_eq!(rows[0]["mailer_secret_enc"].as_str(), Some(sealed));
    // Absent: unchanged; null: removed.
    let body = j!({"name": "native", "redirect_urls": ["https://app.example/cb"]});
    assert_eq!(
        put_project(&n, body).unwrap()["mailer"]["url"],
        "https://mail.example/v2"
    );
    assert_eq!(
        put_project(&n, project(Value::Null)).unwrap()["mailer"],
        Value::Null
    );
}

#[test]
fn a_mailer_url_must_be_https_and_a_new_mailer_needs_a_secret() {
    let n = native();
    for bad in [
        j!({"url": "http://mail.example/hook", "secret": WHSEC}),
        j!({"url": "https://user@mail.example/hook", "secret": WHSEC}),
        j!({"url": HOOK, "secret": "short"}),
        j!({"url": HOOK}),
    ] {
        let e = put_project(&n, project(bad.clone())).unwrap_err();
        assert!(matches!(e, ApiError::InvalidRequest(_)), "{bad}: {e:?}");
    }
    let loopback = j!({"url": "http://127.0.0.1:9999/hook", "secret": WHSEC});
    assert!(put_project(&n, project(loopback)).is_ok());
}

fn put_verifying_provider(n: &super::native::Native) -> Result<Value, ApiError> {
    let body = j!({"client_id": "app", "issuer": "https://op.example",
        "authorization_endpoint": "https://op.example/auth", "token_endpoint": "https://op.example/token",
        "jwks_uri": "https://op.example/jwks", "options": {"verify_email": true}});
    block_on(providers::put(
        &n.p,
        PID,
        "oidc:dev",
        body.to_string().as_bytes(),
        now(),
    ))
}

#[test]
fn verify_email_is_refused_at_config_time_without_a_mailer_and_the_mailer_cannot_go_while_used() {
    let n = native();
    let e = put_verifying_provider(&n).unwrap_err();
    assert!(matches!(e, ApiError::InvalidRequest(_)), "{e:?}");
    put_project(&n, project(j!({"url": HOOK, "secret": WHSEC}))).unwrap();
    put_verifying_provider(&n).unwrap();
    let e = put_project(&n, project(Value::Null)).unwrap_err();
    assert!(matches!(e, ApiError::InvalidRequest(_)), "{e:?}");
}

#[test]
fn a_message_and_its_target_print_neither_the_code_nor_the_secret() {
    let secret = Secret::new(WHSEC);
    let code = Secret::new(CODE);
    let target = MailTarget {
        url: HOOK,
        secret: &secret,
    };
    let printed = format!("{:?} {:?}", message(&code), target);
    assert!(
        !printed.contains(CODE) && !printed.contains(WHSEC),
        "{printed}"
    );
}
