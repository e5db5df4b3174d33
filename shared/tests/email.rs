//! Email matching (issue 12, item 6), as an attacker would try it: a mailbox spelled with
//! Unicode look-alikes that `to_lowercase` would have folded onto a victim's address, and
//! `email_verified: "true"` from providers that never documented string booleans.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use kith_claims::email;
use kith_claims::id_token::{self, IdTokenClaims};
use kith_claims::jose::{Alg, RustCryptoVerifier};
use kith_claims::linking::{EmailOwner, Grant, LinkOptions, LinkingInput, Refusal};
use kith_claims::providers::{github, Discovery, ProviderProfile};
use kith_claims::{ErrorCode, Verified};
use serde_json::{json, Value};

fn run(profile: &ProviderProfile, claims: &Value) -> Result<Verified<IdTokenClaims>, ErrorCode> {
    let mut e = profile.expectations(vec![CLIENT.into()], Some("n-123"));
    e.algorithms.push(Alg::Es256);
    futures_executor::block_on(id_token::validate(
        &es256(claims),
        &jwks(),
        &e,
        NOW,
        &RustCryptoVerifier,
    ))
    .map_err(|e| e.code())
}

fn okta() -> ProviderProfile {
    let doc = json!({"issuer": ISS.replace("http://", "https://"),
        "authorization_endpoint": "https://op.example/a", "token_endpoint": "https://op.example/t",
        "jwks_uri": "https://op.example/k"});
    ProviderProfile::from_discovery(&Discovery::parse(doc.to_string().as_bytes(), ISS).unwrap())
}

/// Addresses that Unicode case mapping folds onto `kim@x.com` (or a neighbour), each a
/// different mailbox: KELVIN SIGN, Turkish dotted capital I, long s, fullwidth letters.
const LOOK_ALIKES: [&str; 5] = [
    "\u{212A}im@x.com",
    "k\u{130}m@x.com",
    "\u{17F}im@x.com",
    "\u{FF2B}im@x.com",
    "kim@x.com\u{A0}",
];

#[test]
fn unicode_look_alikes_never_normalize_onto_an_ascii_address() {
    for evil in LOOK_ALIKES {
        let n = email::normalize(evil).unwrap();
        assert_ne!(n, "kim@x.com", "{evil:?}");
        assert_ne!(n, "kim@x.com".to_uppercase().to_lowercase());
        assert!(!email::is_identifier(&n), "{evil:?} must not link");
    }
    assert_eq!(
        email::normalize(" KIM@X.Com ").as_deref(),
        Some("kim@x.com")
    );
}

#[test]
fn a_provider_identity_keeps_a_unicode_address_as_given_and_folds_only_ascii() {
    let google = ProviderProfile::google();
    let c = with(
        with(claims(), "iss", json!("https://accounts.google.com")),
        "email",
        json!("\u{212A}IM@X.com"),
    );
    let id = google.identity(&run(&google, &c).unwrap());
    assert_eq!(id.email.as_deref(), Some("\u{212A}im@x.com"));
    let gh = github::identity(
        br#"{"id":1,"login":"k"}"#,
        br#"[{"email":"KIM@X.COM","primary":true,"verified":true}]"#,
    )
    .unwrap();
    assert_eq!(gh.email.as_deref(), Some("kim@x.com"));
}

const MERGE_ON: LinkOptions = LinkOptions {
    use_email_as_identifier: true,
    allow_email_account_merge: true,
    verify_email: true,
    sign_up_enabled: true,
    sign_in_enabled: true,
};

#[test]
fn a_vouched_unicode_address_never_links_collides_or_asks_for_an_otp() {
    for evil in LOOK_ALIKES.iter().chain(&["jöhn@x.com", "a@faß.de"]) {
        let normalized = email::normalize(evil).unwrap();
        for (trusted, owner) in [(true, true), (false, true), (true, false), (false, false)] {
            let input = LinkingInput {
                linked_user: None,
                email: Some(&normalized),
                email_trusted: trusted,
                email_owner: owner.then_some(EmailOwner { user_id: "victim" }),
                options: MERGE_ON,
                self_registration: true,
            };
            assert_eq!(
                input.decide(),
                Ok(Grant::Create {
                    email_verified: false
                }),
                "{evil:?} trusted={trusted} owner={owner}"
            );
        }
    }
}

#[test]
fn an_ascii_address_still_links_as_before() {
    let input = LinkingInput {
        linked_user: None,
        email: Some("kim@x.com"),
        email_trusted: true,
        email_owner: Some(EmailOwner { user_id: "victim" }),
        options: MERGE_ON,
        self_registration: true,
    };
    assert_eq!(
        input.decide(),
        Ok(Grant::LinkToExisting {
            user_id: "victim".into()
        })
    );
    let no_merge = LinkingInput {
        options: LinkOptions {
            allow_email_account_merge: false,
            ..MERGE_ON
        },
        ..input
    };
    assert_eq!(no_merge.decide(), Err(Refusal::EmailInUse));
}

#[test]
fn email_verified_as_a_string_vouches_for_nothing_except_at_apple() {
    // (Facebook reads no email_verified: its Graph and Limited Login emails are confirmed.)
    let profiles = [
        (
            "google",
            ProviderProfile::google(),
            "https://accounts.google.com",
        ),
        ("okta", okta(), ISS),
    ];
    for (name, p, iss) in profiles {
        let c = with(
            with(claims(), "iss", json!(iss)),
            "email_verified",
            json!("true"),
        );
        let v = run(&p, &c).unwrap();
        assert!(!p.email_trusted(&v), "{name}: \"true\" is not a boolean");
        assert!(!p.identity(&v).email_trusted, "{name}");
        let real = with(
            with(claims(), "iss", json!(iss)),
            "email_verified",
            json!(true),
        );
        assert!(p.email_trusted(&run(&p, &real).unwrap()), "{name}: true is");
    }
    let apple = ProviderProfile::apple();
    let c = with(
        with(claims(), "iss", json!("https://appleid.apple.com")),
        "email_verified",
        json!("true"),
    );
    assert!(apple.email_trusted(&run(&apple, &c).unwrap()));
}

#[test]
fn microsoft_xms_edov_as_a_string_vouches_for_nothing() {
    let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let m = ProviderProfile::microsoft(tid, &[]).unwrap();
    let c = with(
        with(
            with(
                claims(),
                "iss",
                json!(format!("https://login.microsoftonline.com/{tid}/v2.0")),
            ),
            "tid",
            json!(tid),
        ),
        "xms_edov",
        json!("true"),
    );
    assert!(!m.email_trusted(&run(&m, &c).unwrap()));
    let real = with(c, "xms_edov", json!(true));
    assert!(m.email_trusted(&run(&m, &real).unwrap()));
}
