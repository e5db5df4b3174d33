//! The vault per provider kind on the twins: GitHub's non-expiring tokens, Facebook's
//! long-lived exchange, and re-sealing under a rotated master key.

use super::native::{github_routes, native, OP};
use super::vault::{admin_read, read_as, refresh_requests, signed_in, stored};
use super::world::{now, PID};
use futures_executor::block_on;
use kith_claims::providers::ProviderName;
use kith_worker::adapters::sql::vault::Reader;
use kith_worker::adapters::twins::http::json;
use kith_worker::domain::Provider;
use serde_json::json as j;

#[test]
fn a_github_token_without_expiry_is_kept_with_its_comma_separated_scopes() {
    let n = native();
    github_routes(&n, 200);
    let g = n.code_form(&n.github).unwrap();
    let out = block_on(read_as(
        &n,
        &n.github,
        Reader::Admin {
            user_id: &g.user.id,
        },
        now() + 86_400,
    ));
    let out = out.unwrap();
    assert_eq!(out.access_token, "gh-token");
    assert_eq!(out.expires_at, None);
    assert_eq!(out.scopes, ["user:email"]);
    assert!(refresh_requests(&n).is_empty());
}

#[test]
fn tokens_sealed_under_a_rotated_out_key_are_resealed_on_read() {
    use kith_worker::adapters::twins::crypto::TWIN_SECRETS_KEY;
    const NEW_KEY: &str = "a2l0aCB2YXVsdCB0ZXN0IGtleTogcm90YXRpb24gMzI";
    let (mut n, g, _) = signed_in(3600);
    let kid = |sealed: String| sealed.split('.').nth(1).unwrap().to_owned();
    let old_kid = kid(stored(&n, "access_token_enc").unwrap());
    assert_eq!(kid(stored(&n, "refresh_token_enc").unwrap()), old_kid);
    n.p.crypto
        .rotate(&format!("{NEW_KEY},{TWIN_SECRETS_KEY}"))
        .unwrap();
    assert_eq!(admin_read(&n, &g, now()).unwrap().access_token, "at-1");
    // Both tokens re-sealed under the new key.
    let new_kid = kid(stored(&n, "access_token_enc").unwrap());
    assert_ne!(new_kid, old_kid);
    assert_eq!(kid(stored(&n, "refresh_token_enc").unwrap()), new_kid);
    // The old key gone: the token still opens.
    n.p.crypto.rotate(NEW_KEY).unwrap();
    assert_eq!(admin_read(&n, &g, now()).unwrap().access_token, "at-1");
}

#[test]
fn facebook_renews_by_exchanging_the_long_lived_token() {
    let n = native();
    let facebook = Provider {
        name: ProviderName::parse("facebook").unwrap(),
        client_secret_enc: Some(
            block_on(kith_worker::app::ports::Crypto::seal(
                &n.p.crypto,
                &kith_worker::domain::Secret::new("app-secret"),
                &kith_worker::app::keyring::provider_secret_aad(PID, "facebook"),
            ))
            .unwrap(),
        ),
        ..n.github.clone()
    };
    n.p.http.route(&format!("{OP}/token"), |r| {
        if r.body.contains("grant_type=fb_exchange_token") {
            assert!(
                r.body.contains("fb_exchange_token=EAA-1"),
                "the current token is exchanged"
            );
            return json(
                200,
                &j!({"access_token": "EAA-2", "token_type": "bearer", "expires_in": 5_183_944}),
            );
        }
        json(
            200,
            &j!({"access_token": "EAA-1", "token_type": "bearer", "expires_in": 30}),
        )
    });
    n.p.http.route("https://api.github.example/user", |_| {
        json(
            200,
            &j!({"id": "10158", "name": "Fay", "email": "fay@example.com"}),
        )
    });
    let g = n.code_form(&facebook).unwrap();
    let out = block_on(read_as(
        &n,
        &facebook,
        Reader::Admin {
            user_id: &g.user.id,
        },
        now(),
    ));
    assert_eq!(out.unwrap().access_token, "EAA-2");
    let exchanges =
        n.p.http
            .seen()
            .into_iter()
            .filter(|s| s.body.contains("fb_exchange_token"))
            .count();
    assert_eq!(exchanges, 1);
}
