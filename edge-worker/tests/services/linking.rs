//! The linking matrix: who signs in as whom, by (provider, subject) and by email.

use super::world::*;

#[test]
fn a_new_identity_creates_user_identity_and_session_and_signs_in_again_as_the_same_user() {
    let w = world();
    let g = provider("google", open());
    let first = w.sign_in(&g, "sub-1", Some("a@example.com"), true).unwrap();
    assert_eq!(first.user.email.as_deref(), Some("a@example.com"));
    assert!(first.user.email_verified);
    assert_eq!(w.rows(), (1, 1, 1));
    let second = w.sign_in(&g, "sub-1", Some("a@example.com"), true).unwrap();
    assert_eq!(second.user.id, first.user.id);
    assert_eq!(w.rows(), (1, 1, 2));
}

#[test]
fn a_vouched_email_links_to_its_verified_owner_when_merge_is_on() {
    let w = world();
    let owner = w
        .sign_in(
            &provider("google", open()),
            "g-1",
            Some("a@example.com"),
            true,
        )
        .unwrap();
    let linked = w
        .sign_in(
            &provider("github", open()),
            "gh-1",
            Some("a@example.com"),
            true,
        )
        .unwrap();
    assert_eq!(linked.user.id, owner.user.id);
    let providers: Vec<_> = linked
        .user
        .identities
        .iter()
        .map(|i| i.provider.as_str())
        .collect();
    let mut sorted = providers.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["github", "google"], "both identities on the owner");
    assert_eq!(w.rows(), (1, 2, 2));
}

#[test]
fn merge_off_is_email_in_use_and_writes_nothing() {
    let w = world();
    w.sign_in(
        &provider("google", open()),
        "g-1",
        Some("a@example.com"),
        true,
    )
    .unwrap();
    let before = w.rows();
    let no_merge = ProviderOptions {
        allow_email_account_merge: false,
        ..open()
    };
    let err = w
        .sign_in(
            &provider("github", no_merge),
            "gh-1",
            Some("a@example.com"),
            true,
        )
        .unwrap_err();
    assert!(matches!(err, ApiError::EmailInUse), "{err:?}");
    assert_eq!(w.rows(), before);
}

#[test]
fn an_unvouched_email_never_joins_the_verified_owner() {
    let w = world();
    w.sign_in(
        &provider("google", open()),
        "g-1",
        Some("a@example.com"),
        true,
    )
    .unwrap();
    let before = w.rows();
    let err = w
        .sign_in(
            &provider("microsoft", open()),
            "ms-1",
            Some("a@example.com"),
            false,
        )
        .unwrap_err();
    assert!(matches!(err, ApiError::EmailInUse), "{err:?}");
    assert_eq!(w.rows(), before);
}

#[test]
fn verify_email_turns_an_unvouched_collision_into_an_email_verification_for_its_owner() {
    let w = world();
    let owner = w
        .sign_in(
            &provider("google", open()),
            "g-1",
            Some("a@example.com"),
            true,
        )
        .unwrap();
    let verify = ProviderOptions {
        verify_email: true,
        ..open()
    };
    let done = w
        .complete(
            &provider("microsoft", verify),
            "ms-1",
            Some("a@example.com"),
            false,
        )
        .unwrap();
    let Completed::VerifyEmail { link_to } = done else {
        panic!("{done:?}")
    };
    assert_eq!(link_to.as_deref(), Some(owner.user.id.as_str()));
    assert_eq!(
        w.rows(),
        (1, 1, 1),
        "nothing written before the code is proven"
    );
}

#[test]
fn verify_email_for_a_new_unvouched_email_creates_no_user_until_proven() {
    let w = world();
    let verify = ProviderOptions {
        verify_email: true,
        ..open()
    };
    let done = w
        .complete(
            &provider("okta", verify),
            "o-1",
            Some("new@example.com"),
            false,
        )
        .unwrap();
    assert!(
        matches!(done, Completed::VerifyEmail { link_to: None }),
        "{done:?}"
    );
    assert_eq!(w.rows(), (0, 0, 0));
}

#[test]
fn an_unvouched_new_email_creates_an_unverified_user() {
    let w = world();
    let g = w
        .sign_in(
            &provider("okta", open()),
            "o-1",
            Some("x@example.com"),
            false,
        )
        .unwrap();
    assert!(!g.user.email_verified);
    assert!(!g.user.identities[0].email_verified);
}

#[test]
fn an_unverified_holder_of_an_address_neither_blocks_nor_captures_a_vouched_sign_in() {
    let w = world();
    let squatter = w
        .sign_in(
            &provider("okta", open()),
            "o-1",
            Some("a@example.com"),
            false,
        )
        .unwrap();
    let real = w
        .sign_in(
            &provider("google", open()),
            "g-1",
            Some("a@example.com"),
            true,
        )
        .unwrap();
    assert_ne!(
        real.user.id, squatter.user.id,
        "no pre-hijacking through an unverified address"
    );
    assert!(real.user.email_verified);
    assert_eq!(w.count("users"), 2);
}

#[test]
fn sign_up_off_refuses_new_users_but_lets_existing_ones_in() {
    let w = world();
    let g = provider("google", open());
    w.sign_in(&g, "g-1", Some("a@example.com"), true).unwrap();
    let closed = provider(
        "google",
        ProviderOptions {
            sign_up_enabled: false,
            ..open()
        },
    );
    assert!(w
        .sign_in(&closed, "g-1", Some("a@example.com"), true)
        .is_ok());
    let before = w.rows();
    assert!(matches!(
        w.sign_in(&closed, "g-2", Some("b@example.com"), true),
        Err(ApiError::SignupDisabled)
    ));
    assert_eq!(w.rows(), before);
}

#[test]
fn project_self_registration_off_refuses_new_users() {
    let mut w = world();
    w.project.self_registration = false;
    assert!(matches!(
        w.sign_in(&provider("google", open()), "g-1", None, false),
        Err(ApiError::SignupDisabled)
    ));
    assert_eq!(w.rows(), (0, 0, 0));
}

#[test]
fn a_connect_only_provider_refuses_sign_in_even_for_a_known_identity() {
    let w = world();
    w.sign_in(&provider("github", open()), "gh-1", None, false)
        .unwrap();
    let connect_only = provider(
        "github",
        ProviderOptions {
            sign_in_enabled: false,
            ..open()
        },
    );
    assert!(matches!(
        w.sign_in(&connect_only, "gh-1", None, false),
        Err(ApiError::SignInDisabled)
    ));
}

#[test]
fn without_use_email_as_identifier_a_colliding_email_gets_its_own_user() {
    let w = world();
    w.sign_in(
        &provider("google", open()),
        "g-1",
        Some("a@example.com"),
        true,
    )
    .unwrap();
    let plain = provider(
        "github",
        ProviderOptions {
            use_email_as_identifier: false,
            ..open()
        },
    );
    let other = w
        .sign_in(&plain, "gh-1", Some("a@example.com"), true)
        .unwrap();
    assert_eq!(w.count("users"), 2);
    assert!(!other.user.email_verified, "not this user's identifier");
}

#[test]
fn a_returning_sign_in_records_the_provider_s_new_email_on_the_identity_only_when_it_changed() {
    let w = world();
    let g = provider("google", open());
    w.sign_in(&g, "g-mail", Some("old@example.com"), true)
        .unwrap();
    let same = w
        .sign_in(&g, "g-mail", Some("old@example.com"), true)
        .unwrap();
    assert_eq!(
        same.user.identities[0].email.as_deref(),
        Some("old@example.com")
    );
    let moved = w
        .sign_in(&g, "g-mail", Some("new@example.com"), false)
        .unwrap();
    let identity = &moved.user.identities[0];
    assert_eq!(identity.email.as_deref(), Some("new@example.com"));
    assert!(
        !identity.email_verified,
        "the provider no longer vouches for it"
    );
    let stored =
        w.db.query("SELECT email, email_verified FROM identities WHERE subject = 'g-mail'");
    assert_eq!(
        text(&stored[0], "email").as_deref(),
        Some("new@example.com")
    );
    assert_eq!(int(&stored[0], "email_verified"), Some(0));
}
