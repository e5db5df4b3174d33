//! Every branch of the linking decision.

use kith_claims::linking::{EmailOwner, Grant, LinkOptions, LinkingInput, Refusal};

fn decide(i: &LinkingInput<'_>) -> Result<Grant, Refusal> {
    i.decide()
}

const OPEN: LinkOptions = LinkOptions {
    use_email_as_identifier: true,
    allow_email_account_merge: true,
    verify_email: false,
    sign_up_enabled: true,
    sign_in_enabled: true,
};

fn input(o: LinkOptions) -> LinkingInput<'static> {
    LinkingInput {
        linked_user: None,
        email: Some("a@example.com"),
        email_trusted: true,
        email_owner: None,
        options: o,
        self_registration: true,
    }
}

fn owned(mut i: LinkingInput<'static>) -> LinkingInput<'static> {
    i.email_owner = Some(EmailOwner { user_id: "u-owner" });
    i
}

#[test]
fn a_known_identity_signs_its_user_in_whatever_the_email_says() {
    let mut i = owned(input(OPEN));
    i.linked_user = Some("u-1");
    i.email_trusted = false;
    assert_eq!(
        decide(&i),
        Ok(Grant::SignInExisting {
            user_id: "u-1".into()
        })
    );
}

#[test]
fn a_connect_only_provider_never_signs_in() {
    let mut i = input(LinkOptions {
        sign_in_enabled: false,
        ..OPEN
    });
    i.linked_user = Some("u-1");
    assert_eq!(decide(&i), Err(Refusal::SignInDisabled));
}

#[test]
fn a_vouched_email_of_an_existing_user_links_when_merge_is_on() {
    assert_eq!(
        decide(&owned(input(OPEN))),
        Ok(Grant::LinkToExisting {
            user_id: "u-owner".into()
        })
    );
}

#[test]
fn linking_to_an_existing_user_is_allowed_with_sign_up_off() {
    let mut i = owned(input(LinkOptions {
        sign_up_enabled: false,
        ..OPEN
    }));
    i.self_registration = false;
    assert_eq!(
        decide(&i),
        Ok(Grant::LinkToExisting {
            user_id: "u-owner".into()
        })
    );
}

#[test]
fn a_vouched_email_of_an_existing_user_is_email_in_use_when_merge_is_off() {
    let i = owned(input(LinkOptions {
        allow_email_account_merge: false,
        ..OPEN
    }));
    assert_eq!(decide(&i), Err(Refusal::EmailInUse));
}

#[test]
fn an_unvouched_email_of_an_existing_user_never_links() {
    let mut i = owned(input(OPEN));
    i.email_trusted = false;
    assert_eq!(decide(&i), Err(Refusal::EmailInUse));
}

#[test]
fn an_unvouched_email_of_an_existing_user_goes_through_otp_when_verify_email_is_on() {
    let mut i = owned(input(LinkOptions {
        verify_email: true,
        ..OPEN
    }));
    i.email_trusted = false;
    assert_eq!(
        decide(&i),
        Err(Refusal::EmailVerificationRequired {
            link_to: Some("u-owner".into())
        })
    );
}

#[test]
fn otp_is_not_offered_when_merge_is_off() {
    let mut i = owned(input(LinkOptions {
        verify_email: true,
        allow_email_account_merge: false,
        ..OPEN
    }));
    i.email_trusted = false;
    assert_eq!(decide(&i), Err(Refusal::EmailInUse));
}

#[test]
fn a_new_user_is_created_with_a_vouched_email() {
    assert_eq!(
        decide(&input(OPEN)),
        Ok(Grant::Create {
            email_verified: true
        })
    );
}

#[test]
fn a_new_user_with_an_unvouched_email_is_created_unverified_without_verify_email() {
    let mut i = input(OPEN);
    i.email_trusted = false;
    assert_eq!(
        decide(&i),
        Ok(Grant::Create {
            email_verified: false
        })
    );
}

#[test]
fn a_new_user_with_an_unvouched_email_must_verify_it_when_verify_email_is_on() {
    let mut i = input(LinkOptions {
        verify_email: true,
        ..OPEN
    });
    i.email_trusted = false;
    assert_eq!(
        decide(&i),
        Err(Refusal::EmailVerificationRequired { link_to: None })
    );
}

#[test]
fn verify_email_without_use_email_as_identifier_skips_the_otp() {
    let mut i = input(LinkOptions {
        verify_email: true,
        use_email_as_identifier: false,
        ..OPEN
    });
    i.email_trusted = false;
    assert_eq!(
        decide(&i),
        Ok(Grant::Create {
            email_verified: false
        })
    );
}

#[test]
fn a_new_user_without_email_is_created() {
    let mut i = input(OPEN);
    i.email = None;
    assert_eq!(
        decide(&i),
        Ok(Grant::Create {
            email_verified: false
        })
    );
}

#[test]
fn sign_up_off_at_the_provider_or_the_project_refuses_new_users() {
    assert_eq!(
        decide(&input(LinkOptions {
            sign_up_enabled: false,
            ..OPEN
        })),
        Err(Refusal::SignupDisabled)
    );
    let mut i = input(OPEN);
    i.self_registration = false;
    assert_eq!(decide(&i), Err(Refusal::SignupDisabled));
    // ...also before an OTP would be sent for a new user.
    let mut i = input(LinkOptions {
        verify_email: true,
        sign_up_enabled: false,
        ..OPEN
    });
    i.email_trusted = false;
    assert_eq!(decide(&i), Err(Refusal::SignupDisabled));
}

#[test]
fn refusals_carry_their_contract_codes() {
    assert_eq!(Refusal::EmailInUse.error_code(), "email_in_use");
    assert_eq!(Refusal::SignupDisabled.error_code(), "signup_disabled");
    assert_eq!(Refusal::SignInDisabled.error_code(), "sign_in_disabled");
    assert_eq!(
        Refusal::EmailVerificationRequired { link_to: None }.error_code(),
        "email_verification_required"
    );
    // A grant has no error code: `Create` is an `Ok`, so it cannot be asked for one.
    assert!(decide(&input(OPEN)).is_ok());
}

#[test]
fn without_use_email_as_identifier_an_email_never_links_nor_collides() {
    let i = owned(input(LinkOptions {
        use_email_as_identifier: false,
        ..OPEN
    }));
    assert_eq!(
        decide(&i),
        Ok(Grant::Create {
            email_verified: false
        })
    );
}
