//! Mailbox collisions through Unicode case folding (issue 12, item 6), through the sign-in
//! SQL: an attacker's provider account whose vouched address `to_lowercase` would fold
//! onto the victim's gets a user of its own, never the victim's.

use super::world::*;
use kith_worker::app::admin::users;
use kith_worker::domain::ProviderOptions;

const VICTIM: &str = "kim@example.com";
/// KELVIN SIGN: `"\u{212A}im@example.com".to_lowercase() == "kim@example.com"`.
const KELVIN: &str = "\u{212A}im@example.com";

fn victim(w: &World) -> Granted {
    w.sign_in(&provider("google", open()), "g-victim", Some(VICTIM), true)
        .unwrap()
}

#[test]
fn a_vouched_kelvin_sign_address_never_links_to_the_ascii_owner() {
    assert_eq!(KELVIN.to_lowercase(), VICTIM, "the collision this defends");
    let w = world();
    let owner = victim(&w);
    let evil = w
        .sign_in(&provider("github", open()), "gh-evil", Some(KELVIN), true)
        .unwrap();
    assert_ne!(evil.user.id, owner.user.id);
    assert_eq!(evil.user.email.as_deref(), Some(KELVIN), "kept as given");
    assert!(!evil.user.email_verified, "never a verified identifier");
    assert_eq!(w.rows(), (2, 2, 2));
}

#[test]
fn a_unicode_address_is_never_email_in_use_nor_an_otp() {
    let w = world();
    victim(&w);
    let strict = ProviderOptions {
        allow_email_account_merge: false,
        verify_email: true,
        ..open()
    };
    let a = w.sign_in(
        &provider("github", strict.clone()),
        "gh-1",
        Some(KELVIN),
        true,
    );
    assert!(a.is_ok(), "no email_in_use: {:?}", a.err());
    let b = w.sign_in(&provider("oidc:dev", strict), "o-1", Some(KELVIN), false);
    assert!(b.is_ok(), "no email OTP: {:?}", b.err());
    assert_eq!(w.count("email_verifications"), 0);
}

#[test]
fn two_unicode_sign_ins_with_the_same_address_are_two_users() {
    let w = world();
    let a = w
        .sign_in(&provider("google", open()), "g-1", Some(KELVIN), true)
        .unwrap();
    let b = w
        .sign_in(&provider("github", open()), "gh-1", Some(KELVIN), true)
        .unwrap();
    assert_ne!(a.user.id, b.user.id, "a non-ASCII address links nothing");
}

#[test]
fn the_admin_search_folds_ascii_case_only() {
    let w = world();
    let owner = victim(&w);
    let evil = w
        .sign_in(&provider("github", open()), "gh-evil", Some(KELVIN), true)
        .unwrap();
    let ids = |q: &str| -> Vec<String> {
        let found = block_on(users::find(&w.db, PID, Some(q))).unwrap();
        found["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(" KIM@Example.COM "), vec![owner.user.id]);
    assert_eq!(ids("\u{212A}IM@example.com"), vec![evil.user.id]);
}
