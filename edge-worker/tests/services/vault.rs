//! The provider-token vault on the twins: tokens sealed on the code exchange, read fresh,
//! renewed near expiry (once, however many readers), dropped when the grant is revoked, kept
//! when the provider is down; Apple and the client switch.

use super::native::{github_routes, id_token, native, Native, OP};
use super::world::{count, now, PID};
use core::future::Future;
use core::pin::pin;
use core::task::Poll;
use futures_executor::block_on;
use kith_claims::oauth::form_decode;
use kith_claims::providers::ProviderName;
use kith_worker::adapters::sql::vault::Reader;
use kith_worker::adapters::twins::http::{json, Seen};
use kith_worker::app::signin::Granted;
use kith_worker::app::store::text;
use kith_worker::app::vault::{read, ProviderTokenOut};
use kith_worker::domain::Provider;
use kith_worker::error::ApiError;
use serde_json::json as j;
use std::cell::RefCell;
use std::rc::Rc;

/// What the twin token endpoint answers to a refresh grant (`None`: the code exchange only).
type Answer = Rc<RefCell<(u16, serde_json::Value)>>;

/// A code-form sign-in whose exchange issues `at-1`/`rt-1` living `expires_in` seconds; the
/// token endpoint then answers refresh grants with `refresh`.
pub fn signed_in(expires_in: i64) -> (Native, Granted, Answer) {
    signed_in_on(native(), expires_in)
}

/// [`signed_in`] on a given world (e.g. one recording its query plans).
fn signed_in_on(n: Native, expires_in: i64) -> (Native, Granted, Answer) {
    let token = id_token("bob", "n-code", "bob@example.com");
    let refresh: Answer = Rc::new(RefCell::new((500, j!({}))));
    let answer = refresh.clone();
    n.p.http.route(&format!("{OP}/token"), move |r| {
        let grant = form_decode(&r.body)
            .into_iter()
            .find(|(k, _)| k == "grant_type")
            .map(|(_, v)| v);
        match grant.as_deref() {
            Some("authorization_code") => json(
                200,
                &j!({"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer",
                     "expires_in": expires_in, "id_token": token, "scope": "openid email https://api.example/read"}),
            ),
            _ => {
                let (status, body) = answer.borrow().clone();
                json(status, &body)
            }
        }
    });
    let granted = n.code_form(&n.oidc).unwrap();
    (n, granted, refresh)
}

pub fn admin_read(n: &Native, g: &Granted, at: i64) -> Result<ProviderTokenOut, ApiError> {
    block_on(read_as(
        n,
        &n.oidc,
        Reader::Admin {
            user_id: &g.user.id,
        },
        at,
    ))
}

pub fn read_as<'a>(
    n: &'a Native,
    provider: &'a Provider,
    reader: Reader<'a>,
    at: i64,
) -> impl Future<Output = Result<ProviderTokenOut, ApiError>> + 'a {
    read::provider_token(&n.p, &n.project, provider, reader, at)
}

pub fn refresh_requests(n: &Native) -> Vec<Seen> {
    n.p.http
        .seen()
        .into_iter()
        .filter(|s| s.body.contains("grant_type=refresh_token"))
        .collect()
}

pub fn stored(n: &Native, col: &str) -> Option<String> {
    let rows = n.p.db.query(&format!("SELECT {col} FROM provider_tokens"));
    rows.first().and_then(|r| text(r, col))
}

#[test]
fn a_code_exchange_stores_the_provider_tokens_sealed_with_the_sign_in() {
    let (n, g, _) = signed_in(3600);
    assert_eq!(count(&n.p.db, "provider_tokens"), 1);
    let access = stored(&n, "access_token_enc").unwrap();
    let refresh = stored(&n, "refresh_token_enc").unwrap();
    assert!(access.starts_with("k1.") && refresh.starts_with("k1."));
    for col in ["access_token_enc", "refresh_token_enc", "scopes", "subject"] {
        let v = stored(&n, col).unwrap_or_default();
        assert!(
            !v.contains("at-1") && !v.contains("rt-1"),
            "{col} holds a plaintext token"
        );
    }
    // A sealed access token copied into the refresh column does not open as one.
    n.p.db.query(&format!(
        "UPDATE provider_tokens SET access_token_enc = '{refresh}'"
    ));
    assert!(matches!(
        admin_read(&n, &g, now()),
        Err(ApiError::Internal(_))
    ));
}

#[test]
fn a_fresh_token_is_answered_without_asking_the_provider() {
    let (n, g, _) = signed_in(3600);
    let out = admin_read(&n, &g, now() + 100).unwrap();
    assert_eq!(out.access_token, "at-1");
    assert_eq!(out.expires_at, Some(now() + 3600));
    assert_eq!(out.scopes, ["openid", "email", "https://api.example/read"]);
    assert!(refresh_requests(&n).is_empty());
}

#[test]
fn a_token_near_expiry_is_refreshed_once_and_the_rotated_refresh_token_is_kept() {
    let (n, g, answer) = signed_in(30);
    *answer.borrow_mut() = (
        200,
        j!({"access_token": "at-2", "refresh_token": "rt-2", "token_type": "Bearer", "expires_in": 3600}),
    );
    let out = admin_read(&n, &g, now()).unwrap();
    assert_eq!(out.access_token, "at-2");
    assert_eq!(out.expires_at, Some(now() + 3600));
    // No `scope` in the answer: the scopes granted before.
    assert_eq!(out.scopes, ["openid", "email", "https://api.example/read"]);
    let sent = refresh_requests(&n);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains("refresh_token=rt-1"));
    assert!(
        sent[0].body.contains("client_secret="),
        "client credentials sent"
    );
    // Read again: fresh, no second refresh.
    assert_eq!(admin_read(&n, &g, now() + 5).unwrap().access_token, "at-2");
    assert_eq!(refresh_requests(&n).len(), 1);
    // Near the new expiry: the rotated token is the one presented; an answer without a
    // refresh token keeps it.
    *answer.borrow_mut() = (
        200,
        j!({"access_token": "at-3", "token_type": "Bearer", "expires_in": 3600}),
    );
    assert_eq!(
        admin_read(&n, &g, now() + 3590).unwrap().access_token,
        "at-3"
    );
    let sent = refresh_requests(&n);
    assert!(sent[1].body.contains("refresh_token=rt-2"));
    let _ = admin_read(&n, &g, now() + 3590 + 3590).unwrap();
    assert!(refresh_requests(&n)[2].body.contains("refresh_token=rt-2"));
}

#[test]
fn a_revoked_grant_drops_the_token_and_asks_for_reauthorization() {
    let (n, g, answer) = signed_in(30);
    *answer.borrow_mut() = (
        400,
        j!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
    );
    let err = admin_read(&n, &g, now()).unwrap_err();
    assert_eq!(err.code().as_str(), "reauthorization_required");
    assert_eq!(err.status(), 409);
    assert_eq!(count(&n.p.db, "provider_tokens"), 0);
    let again = admin_read(&n, &g, now()).unwrap_err();
    assert_eq!(again.code().as_str(), "no_provider_token");
}

#[test]
fn a_provider_that_is_down_answers_503_and_keeps_the_token() {
    let (n, g, answer) = signed_in(30);
    *answer.borrow_mut() = (503, j!({}));
    let err = admin_read(&n, &g, now()).unwrap_err();
    assert_eq!(err.code().as_str(), "provider_unavailable");
    assert_eq!(count(&n.p.db, "provider_tokens"), 1);
    // The lease was given back: the next read tries again and succeeds.
    *answer.borrow_mut() = (
        200,
        j!({"access_token": "at-2", "token_type": "Bearer", "expires_in": 3600}),
    );
    assert_eq!(admin_read(&n, &g, now()).unwrap().access_token, "at-2");
    assert_eq!(refresh_requests(&n).len(), 2);
}

#[test]
fn apple_issues_no_api_token() {
    let (n, g, _) = signed_in(3600);
    let apple = Provider {
        name: ProviderName::parse("apple").unwrap(),
        ..n.oidc.clone()
    };
    let err = block_on(read_as(
        &n,
        &apple,
        Reader::Admin {
            user_id: &g.user.id,
        },
        now(),
    ))
    .unwrap_err();
    assert_eq!(err.code().as_str(), "provider_token_unsupported");
    assert_eq!(err.status(), 422);
}

#[test]
fn the_client_reads_a_token_only_when_the_provider_exposes_it() {
    let (n, g, _) = signed_in(3600);
    let client = Reader::Session {
        user_id: &g.user.id,
        sid: g.session_id.as_str(),
    };
    let err = block_on(read_as(&n, &n.oidc, client, now())).unwrap_err();
    assert_eq!(err.code().as_str(), "token_access_denied");
    assert_eq!(err.status(), 403);
    let mut exposed = n.oidc.clone();
    exposed.config.options.expose_tokens_to_client = true;
    let out = block_on(read_as(&n, &exposed, client, now())).unwrap();
    assert_eq!(out.access_token, "at-1");
    // A revoked session reads nothing.
    n.p.db.query(&format!(
        "UPDATE sessions SET revoked_at = {} WHERE project_id = '{PID}'",
        now()
    ));
    let gone = block_on(read_as(&n, &exposed, client, now())).unwrap_err();
    assert_eq!(gone.code().as_str(), "invalid_token");
}

/// Polls both futures on this thread until both are done (as two requests in one isolate).
fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    block_on(async {
        let (mut a, mut b) = (pin!(a), pin!(b));
        let (mut ra, mut rb) = (None, None);
        core::future::poll_fn(|cx| {
            if ra.is_none() {
                if let Poll::Ready(v) = a.as_mut().poll(cx) {
                    ra = Some(v);
                }
            }
            if rb.is_none() {
                if let Poll::Ready(v) = b.as_mut().poll(cx) {
                    rb = Some(v);
                }
            }
            if ra.is_some() && rb.is_some() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        (ra.unwrap(), rb.unwrap())
    })
}

#[test]
fn two_concurrent_reads_near_expiry_cause_one_refresh_at_the_provider() {
    let (n, g, answer) = signed_in(30);
    // The renewed token is short-lived too: the waiting read answers it rather than renewing
    // again.
    *answer.borrow_mut() = (
        200,
        j!({"access_token": "at-2", "refresh_token": "rt-2", "token_type": "Bearer", "expires_in": 30}),
    );
    let admin = Reader::Admin {
        user_id: &g.user.id,
    };
    let (a, b) = join2(
        read_as(&n, &n.oidc, admin, now()),
        read_as(&n, &n.oidc, admin, now()),
    );
    assert_eq!(a.unwrap().access_token, "at-2");
    assert_eq!(b.unwrap().access_token, "at-2");
    assert_eq!(refresh_requests(&n).len(), 1);
}

#[test]
fn the_tokens_go_with_their_identity_and_their_user() {
    let (n, _, _) = signed_in(3600);
    n.p.db.query("DELETE FROM identities");
    assert_eq!(
        count(&n.p.db, "provider_tokens"),
        0,
        "unlinking deletes the tokens"
    );
    let (n, g, _) = signed_in(3600);
    assert_eq!(count(&n.p.db, "provider_tokens"), 1);
    let deleted = block_on(kith_worker::adapters::sql::admin::delete_user(
        &n.p.db, PID, &g.user.id,
    ));
    assert!(deleted.unwrap());
    assert_eq!(count(&n.p.db, "provider_tokens"), 0);
}

#[test]
fn a_sign_in_that_fails_after_the_exchange_keeps_no_token() {
    let n = native();
    github_routes(&n, 502);
    assert!(n.code_form(&n.github).is_err());
    let mut closed = n.project.clone();
    closed.self_registration = false;
    github_routes(&n, 200);
    let claim = kith_worker::app::prove::parse_claim(
        kith_worker::app::prove::LoginBody {
            code: Some("the-code".into()),
            code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
            redirect_uri: Some(super::native::REDIRECT.into()),
            ..super::native::body("github")
        },
        &super::native::rule(&closed),
        &n.github,
    )
    .unwrap();
    let refused = block_on(kith_worker::app::signin::sign_in(
        &n.p,
        &closed,
        &n.github,
        claim,
        now(),
    ));
    assert_eq!(refused.unwrap_err().code().as_str(), "signup_disabled");
    assert_eq!(count(&n.p.db, "provider_tokens"), 0);
}

#[test]
fn no_statement_of_the_vault_walks_a_table() {
    let n = native();
    n.p.db.record_plans();
    // The sign-in's batch holds the vault's upsert.
    let (n, g, answer) = signed_in_on(n, 30);
    *answer.borrow_mut() = (
        200,
        j!({"access_token": "at-2", "refresh_token": "rt-2", "token_type": "Bearer", "expires_in": 30}),
    );
    admin_read(&n, &g, now()).unwrap();
    *answer.borrow_mut() = (400, j!({"error": "invalid_grant"}));
    assert!(admin_read(&n, &g, now() + 10).is_err());
    let client = Reader::Session {
        user_id: &g.user.id,
        sid: g.session_id.as_str(),
    };
    let mut exposed = n.oidc.clone();
    exposed.config.options.expose_tokens_to_client = true;
    let _ = block_on(read_as(&n, &exposed, client, now()));
    let plans = n.p.db.plans();
    assert!(plans
        .iter()
        .any(|p| p.sql.starts_with("INSERT INTO provider_tokens")));
    assert!(plans
        .iter()
        .any(|p| p.sql.starts_with("UPDATE provider_tokens SET lease_id")));
    let walking = super::plans::walking(&n.p.db);
    assert!(walking.is_empty(), "{walking:#?}");
}
