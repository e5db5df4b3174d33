//! Refresh tokens as an attacker and a key rotation present them: a right tag on a wrong
//! secret, spellings Kith never writes, a key no longer listed, another project, and two
//! tabs racing while a new `SECRETS_KEY` reaches isolates one by one.

use super::world::*;

const OLD_KEY: &str = kith_worker::adapters::twins::crypto::TWIN_SECRETS_KEY;
const NEW_KEY: &str = "bmV3IHR3aW4ga2V5OiB0ZXN0cyBvbmx5IDMyIGJ5dGU";

fn signed_in(w: &World, subject: &str) -> Granted {
    w.sign_in(&provider("google", open()), subject, None, false)
        .unwrap()
}

/// The token's four parts: session id, generation, secret, tag.
fn parts(token: &RefreshToken) -> [String; 4] {
    let parts: Vec<String> = token.expose().split('.').map(str::to_owned).collect();
    parts.try_into().unwrap()
}

fn refused(w: &World, token: &str, now: i64) -> bool {
    matches!(
        rotate(w, &RefreshToken::new(token), now),
        Err(ApiError::InvalidRefreshToken)
    )
}

fn revoked(w: &World) -> i64 {
    w.count("sessions WHERE revoked_at IS NOT NULL")
}

#[test]
fn the_current_generation_with_a_wrong_secret_is_refused_and_revokes_nothing() {
    let w = world();
    let g = signed_in(&w, "g-1");
    let [sid, generation, secret, tag] = parts(&g.refresh_token);
    let wrong = format!("{sid}.{generation}.{}x.{tag}", &secret[1..]);
    assert!(refused(&w, &wrong, NOW + 1));
    assert_eq!(revoked(&w), 0);
    // The real token still rotates; a wrong secret on it, even within the grace, gets no
    // successor.
    let next = rotate(&w, &g.refresh_token, NOW + 2).unwrap();
    assert!(refused(&w, &wrong, NOW + 3));
    assert_ne!(next.refresh_token.expose(), wrong);
}

#[test]
fn a_generation_spelled_as_kith_never_writes_it_is_refused_and_revokes_nothing() {
    let w = world();
    let g = signed_in(&w, "g-1");
    let next = rotate(&w, &g.refresh_token, NOW + 1).unwrap();
    let [sid, _, secret, tag] = parts(&g.refresh_token);
    let spellings = [
        "00",
        "-0",
        "+0",
        "0 ",
        "\u{0660}",
        "0000000000000",
        "9223372036854775807",
        "9223372036854775808",
    ];
    for generation in spellings {
        let token = format!("{sid}.{generation}.{secret}.{tag}");
        assert!(refused(&w, &token, NOW + 30), "{generation:?}");
    }
    assert_eq!(revoked(&w), 0, "none of them counts as a reuse");
    assert!(rotate(&w, &next.refresh_token, NOW + 31).is_ok());
}

#[test]
fn a_token_tagged_under_a_key_no_longer_listed_is_refused_and_revokes_nothing() {
    let mut w = world();
    let g = signed_in(&w, "g-1");
    w.crypto = NativeCrypto::with_keys(NEW_KEY).unwrap();
    assert!(refused(&w, g.refresh_token.expose(), NOW + 1));
    assert_eq!(revoked(&w), 0);
}

#[test]
fn a_refresh_token_presented_to_another_project_is_refused_and_revokes_nothing() {
    let w = world();
    let g = signed_in(&w, "g-1");
    let next = rotate(&w, &g.refresh_token, NOW + 1).unwrap();
    let other = Project {
        id: ProjectId::parse("7d1f5a52-3f0c-4a8e-9b1e-2c6f0d9e4b31").unwrap(),
        ..w.project.clone()
    };
    block_on(sql::admin::put_project(&w.db, &other, NOW)).unwrap();
    for token in [&g.refresh_token, &next.refresh_token] {
        let there = block_on(refresh(&w.db, &w.crypto, &other, token, NOW + 30));
        assert!(matches!(there, Err(ApiError::InvalidRefreshToken)));
    }
    assert_eq!(revoked(&w), 0, "the old generation is no reuse elsewhere");
    assert!(rotate(&w, &next.refresh_token, NOW + 31).is_ok());
}

#[test]
fn tabs_racing_across_a_secrets_key_rotation_share_one_successor_and_stay_signed_in() {
    let mut w = world();
    let g = signed_in(&w, "g-1");
    // Tab A reaches an isolate that still has the old keyring.
    let a = rotate(&w, &g.refresh_token, NOW + 1).unwrap();
    // Tab B, a second later, one that has the new key first and the old one listed.
    w.crypto = NativeCrypto::with_keys(&format!("{NEW_KEY},{OLD_KEY}")).unwrap();
    let b = rotate(&w, &g.refresh_token, NOW + 2).unwrap();
    assert_eq!(b.refresh_token, a.refresh_token);
    assert_eq!(revoked(&w), 0);
    // The shared successor rotates on, now under the new key.
    let c = rotate(&w, &b.refresh_token, NOW + 3).unwrap();
    w.crypto = NativeCrypto::with_keys(NEW_KEY).unwrap();
    assert!(rotate(&w, &c.refresh_token, NOW + 4).is_ok());
}

#[test]
fn tabs_racing_on_a_first_format_token_share_one_successor() {
    let w = world();
    let g = signed_in(&w, "g-1");
    let legacy = w.to_first_format(&g.session_id);
    let a = rotate(&w, &legacy, NOW + 1).unwrap();
    let b = rotate(&w, &legacy, NOW + 2).unwrap();
    assert_eq!(a.refresh_token, b.refresh_token);
    assert_eq!(revoked(&w), 0);
}

#[test]
fn a_tab_racing_on_an_isolate_without_the_new_key_is_refused_and_signs_no_one_out() {
    let mut w = world();
    let g = signed_in(&w, "g-1");
    // Tab A reaches an isolate with the new key first: its successor is made with it.
    w.crypto = NativeCrypto::with_keys(&format!("{NEW_KEY},{OLD_KEY}")).unwrap();
    let a = rotate(&w, &g.refresh_token, NOW + 1).unwrap();
    // Tab B, a second later, one that has only the old key: it cannot make A's successor.
    w.crypto = NativeCrypto::with_keys(OLD_KEY).unwrap();
    assert!(refused(&w, g.refresh_token.expose(), NOW + 2));
    assert_eq!(revoked(&w), 0, "a racing tab is no reuse");
    // Tab A's successor rotates on; tab B's old token, now two generations old, is a reuse.
    w.crypto = NativeCrypto::with_keys(&format!("{NEW_KEY},{OLD_KEY}")).unwrap();
    rotate(&w, &a.refresh_token, NOW + 3).unwrap();
    assert!(refused(&w, g.refresh_token.expose(), NOW + 4));
    assert_eq!(revoked(&w), 1);
}
