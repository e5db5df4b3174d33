//! Single use in every encoding (issue 12, item 5), as an attacker would try it: the same
//! signed id_token presented again under a second valid ES256 signature `(r, n - s)`, or
//! with a non-canonical base64url spelling. The replay key is what the issuer signed, so
//! every encoding of one token is one sign-in.

use super::native::{body, native, native_on, sign, Native};
use super::world::{count, now, Sqlite};
use kith_claims::b64;
use kith_worker::app::prove::LoginBody;
use kith_worker::app::signin;
use kith_worker::error::ApiError;
use p256::ecdsa::Signature;
use serde_json::json as j;

/// Claims without a nonce, so nothing but the token's own key can stop a replay.
fn nonceless(sub: &str) -> serde_json::Value {
    j!({"iss": "https://op.example", "aud": "app", "sub": sub, "iat": now(),
        "exp": now() + 600, "email": format!("{sub}@example.com"), "email_verified": true})
}

/// The token and its malleated twin: the same header and payload, `s` replaced by `n - s`.
fn token_and_twin(sub: &str) -> (String, String) {
    let (input, sig) = sign(&nonceless(sub));
    let (r, s) = sig.split_scalars();
    let twin = Signature::from_scalars(r, -s).unwrap();
    assert_ne!(sig.to_bytes(), twin.to_bytes());
    (
        format!("{input}.{}", b64::encode(sig.to_bytes())),
        format!("{input}.{}", b64::encode(twin.to_bytes())),
    )
}

fn present(n: &Native, token: &str) -> Result<signin::Granted, ApiError> {
    let b = LoginBody {
        id_token: Some(token.into()),
        ..body("oidc:dev")
    };
    n.sign_in(&n.oidc, b)
}

fn assert_replay_refused(n: &Native, first: &str, second: &str) {
    present(n, first).unwrap();
    let before = (n.rows(), count(&n.p.db, "used_tokens"));
    let replay = present(n, second).unwrap_err();
    assert!(
        matches!(replay, ApiError::InvalidSocialLogin(_)),
        "{replay:?}"
    );
    assert_eq!(
        (n.rows(), count(&n.p.db, "used_tokens")),
        before,
        "a replay writes nothing"
    );
}

#[test]
fn the_high_s_twin_of_a_token_verifies_on_its_own() {
    // Without this, the replay tests below would pass for the wrong reason.
    let (_, twin) = token_and_twin("mallory");
    let n = native();
    present(&n, &twin).unwrap();
    assert_eq!(n.rows(), (1, 1, 1));
}

#[test]
fn a_used_token_re_signed_as_r_n_minus_s_is_refused_as_a_replay() {
    let (token, twin) = token_and_twin("alice");
    assert_replay_refused(&native(), &token, &twin);
}

#[test]
fn a_twin_used_first_makes_the_original_a_replay() {
    let (token, twin) = token_and_twin("bob");
    assert_replay_refused(&native(), &twin, &token);
}

/// The token with a segment re-spelled: padded, or with the unused low bits of its last
/// base64url character set (both decode to the same bytes in a lenient decoder).
fn respelled(token: &str) -> Vec<String> {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut stray = sig.to_owned();
    let last = stray.pop().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let at = alphabet.find(last).unwrap();
    // 64 signature bytes leave 4 unused bits in the last of 86 characters.
    stray.push(alphabet.chars().nth(at | 0x0f).unwrap());
    let (head, payload) = input.split_once('.').unwrap();
    vec![
        format!("{input}.{sig}=="),
        format!("{input}.{stray}"),
        format!("{head}=.{payload}.{sig}"),
        format!("{head}.{payload}=.{sig}"),
    ]
}

#[test]
fn non_canonical_base64url_spellings_of_a_used_token_are_refused_and_write_nothing() {
    let n = native();
    let (token, _) = token_and_twin("carol");
    present(&n, &token).unwrap();
    let before = (n.rows(), count(&n.p.db, "used_tokens"));
    for spelling in respelled(&token) {
        assert_ne!(spelling, token);
        let err = present(&n, &spelling).unwrap_err();
        assert!(matches!(err, ApiError::InvalidSocialLogin(_)), "{err:?}");
    }
    assert_eq!((n.rows(), count(&n.p.db, "used_tokens")), before);
}

#[test]
fn non_canonical_spellings_of_an_unused_token_are_refused_before_any_write() {
    let n = native();
    let (token, _) = token_and_twin("dave");
    for spelling in respelled(&token) {
        assert!(present(&n, &spelling).is_err());
    }
    assert_eq!((n.rows(), count(&n.p.db, "used_tokens")), ((0, 0, 0), 0));
    present(&n, &token).unwrap();
}

#[test]
fn a_token_used_before_the_single_use_table_moved_is_still_refused_after_it() {
    // Migration 0014 rebuilds `used_tokens` clustered on its key; the live keys go along.
    let n = native_on(Sqlite::with_migrations_before("0014").unwrap());
    let (token, _) = token_and_twin("erin");
    present(&n, &token).unwrap();
    let keys = count(&n.p.db, "used_tokens");
    n.p.db.apply_migrations_from("0014").unwrap();
    assert_eq!(count(&n.p.db, "used_tokens"), keys);
    let replay = present(&n, &token).unwrap_err();
    assert!(
        matches!(replay, ApiError::InvalidSocialLogin(_)),
        "{replay:?}"
    );
    assert_eq!(
        count(&n.p.db, "used_tokens"),
        keys,
        "a replay writes nothing"
    );
}
