//! Email verification by code on the platform twins: a real ES256 id_token whose email the
//! provider does not vouch for, the code recorded by the mailer twin, the SQLite twin
//! underneath. Each test asserts what the user sees (the error code, the session).

use super::native::{id_token, native, sign, Native, OP};
use super::world::{count, now, PID};
use futures_executor::block_on;
use kith_claims::b64;
use kith_claims::hex::sha256_hex;
use kith_worker::adapters::sql;
use kith_worker::app::otp::{self, CODE_TTL_SECS, MAX_ATTEMPTS, MAX_LIVE_PER_ADDRESS, MAX_RESENDS};
use kith_worker::app::ports::Crypto;
use kith_worker::app::prove::LoginBody;
use kith_worker::app::sessions;
use kith_worker::app::signin::{Fresh, Granted};
use kith_worker::domain::project::Config;
use kith_worker::domain::{Mailer, Provider, ProviderOptions, Secret};
use kith_worker::error::ApiError;
use serde_json::json;

pub const HOOK: &str = "https://mail.example/hook";
const ALICE: &str = "alice@example.com";

/// The native world with a mailer and `oidc:dev` set to `options`.
pub fn otp_world(options: ProviderOptions) -> Native {
    let mut n = native();
    let aad = Mailer::secret_aad(PID);
    let sealed = block_on(
        n.p.crypto
            .seal(&Secret::new("whsec-0123456789abcdef"), &aad),
    )
    .unwrap();
    n.project.mailer = Some(Mailer {
        url: HOOK.into(),
        secret_enc: sealed,
    });
    block_on(sql::admin::put_project(&n.p.db, &n.project, now())).unwrap();
    n.oidc.config.options = options;
    n
}

pub fn verify_on() -> ProviderOptions {
    ProviderOptions {
        verify_email: true,
        ..ProviderOptions::default()
    }
}

/// A sign-in with an id_token whose email the provider does not vouch for.
pub fn unvouched(n: &Native, sub: &str) -> Result<Granted, ApiError> {
    let nonce = format!("n-{sub}-{}", n.p.mailer.sent().len());
    let claims = json!({"iss": OP, "aud": "app", "sub": sub, "iat": now(), "exp": now() + 600,
        "nonce": nonce, "email": ALICE, "email_verified": false});
    let (input, sig) = sign(&claims);
    let b = LoginBody {
        id_token: Some(format!("{input}.{}", b64::encode(sig.to_bytes()))),
        nonce: Some(nonce),
        ..super::native::body("oidc:dev")
    };
    n.sign_in(&n.oidc, b)
}

/// The token of a sign-in that had to verify its email.
pub fn challenged(n: &Native, sub: &str) -> String {
    match unvouched(n, sub) {
        Err(ApiError::EmailVerificationRequired { token, email_hint }) => {
            assert_eq!(email_hint, "a***e@example.com");
            token
        }
        other => panic!("expected email_verification_required: {other:?}"),
    }
}

fn config(n: &Native, providers: Vec<Provider>) -> Config {
    Config {
        project: n.project.clone(),
        providers,
        rate_count: None,
        version: 0,
    }
}

pub fn verify_at(n: &Native, token: &str, code: &str, at: i64) -> Result<Granted, ApiError> {
    let fresh = Fresh::draw(&n.p.crypto).unwrap();
    let c = config(n, vec![n.oidc.clone()]);
    block_on(otp::verify(&n.p, &c, token, &Secret::new(code), &fresh, at))
}

fn verify(n: &Native, token: &str, code: &str) -> Result<Granted, ApiError> {
    verify_at(n, token, code, now() + 1)
}

pub fn resend(n: &Native, token: &str, at: i64) -> Result<(), ApiError> {
    block_on(otp::resend(&n.p, &n.project, token, at))
}

/// The user who owns alice's address, signed in with a vouched email.
fn vouched_owner(n: &Native) -> Granted {
    let granted = n
        .id_token_form(&id_token("owner", "n-owner", ALICE), "n-owner")
        .unwrap();
    assert!(granted.user.email_verified);
    granted
}

pub fn code(n: &Native) -> String {
    n.p.mailer.last_code(ALICE).expect("a code was sent")
}

/// A six-digit code other than `right`.
pub fn wrong(right: &str) -> String {
    let n: u32 = right.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[test]
fn an_unvouched_email_gets_a_code_and_the_right_code_signs_in_a_new_verified_user() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    let sent = n.p.mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].url.as_str(), sent[0].to.as_str()), (HOOK, ALICE));
    assert_eq!(sent[0].project_id, PID);
    assert_eq!(sent[0].expires_at, now() + CODE_TTL_SECS);
    assert_eq!(n.rows(), (0, 0, 0), "no user before the address is proven");
    let granted = verify(&n, &token, &sent[0].code).unwrap();
    assert_eq!(granted.user.email.as_deref(), Some(ALICE));
    assert!(granted.user.email_verified, "the code proved the address");
    assert_eq!(granted.user.identities[0].provider, "oidc:dev");
    assert_eq!(granted.amr, "social:oidc:dev");
    assert_eq!(n.rows(), (1, 1, 1));
    assert_eq!(count(&n.p.db, "email_verifications"), 0);
    // The session's refresh token is one the session holds: it rotates.
    let next = block_on(sessions::refresh(
        &n.p.db,
        &n.p.crypto,
        &n.project,
        &granted.refresh_token,
        now() + 1,
    ))
    .unwrap();
    assert_eq!(next.session_id, granted.session_id);
}

#[test]
fn the_right_code_links_the_identity_to_the_user_who_owns_the_email() {
    let n = otp_world(verify_on());
    let owner = vouched_owner(&n);
    let token = challenged(&n, "sub-1");
    let granted = verify(&n, &token, &code(&n)).unwrap();
    assert_eq!(granted.user.id, owner.user.id);
    let subjects: Vec<_> = granted
        .user
        .identities
        .iter()
        .map(|i| i.subject.as_str())
        .collect();
    assert_eq!(subjects, ["owner", "sub-1"]);
    assert_eq!(n.rows(), (1, 2, 2));
    // The identity is now known: its next sign-in asks for no code.
    let again = unvouched(&n, "sub-1").unwrap();
    assert_eq!(again.user.id, owner.user.id);
    assert_eq!(n.p.mailer.sent().len(), 1);
}

#[test]
fn a_wrong_code_is_invalid_code_and_five_wrong_codes_kill_the_verification() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    let right = code(&n);
    for _ in 0..MAX_ATTEMPTS {
        let e = verify(&n, &token, &wrong(&right)).unwrap_err();
        assert!(matches!(e, ApiError::InvalidCode), "{e:?}");
    }
    let e = verify(&n, &token, &right).unwrap_err();
    assert!(
        matches!(e, ApiError::TooManyAttempts),
        "even the right code: {e:?}"
    );
    let e = resend(&n, &token, now() + 120).unwrap_err();
    assert!(
        matches!(e, ApiError::TooManyAttempts),
        "no new code either: {e:?}"
    );
    assert_eq!(n.rows(), (0, 0, 0));
}

#[test]
fn a_resend_gives_no_more_tries() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    for _ in 0..MAX_ATTEMPTS - 1 {
        verify(&n, &token, &wrong(&code(&n))).unwrap_err();
    }
    resend(&n, &token, now() + 61).unwrap();
    let right = code(&n);
    let e = verify_at(&n, &token, &wrong(&right), now() + 62).unwrap_err();
    assert!(matches!(e, ApiError::InvalidCode), "{e:?}");
    let e = verify_at(&n, &token, &right, now() + 63).unwrap_err();
    assert!(matches!(e, ApiError::TooManyAttempts), "{e:?}");
}

#[test]
fn an_address_has_at_most_three_live_verifications_so_guesses_stay_bounded() {
    // An attacker whose provider account claims the victim's address signs in again and
    // again: each sign-in would bring five more guesses and one more email.
    let n = otp_world(verify_on());
    for i in 0..MAX_LIVE_PER_ADDRESS {
        challenged(&n, &format!("sub-{i}"));
    }
    let e = unvouched(&n, "sub-more").unwrap_err();
    assert!(matches!(e, ApiError::RateLimited), "{e:?}");
    assert_eq!(
        n.p.mailer.sent().len() as i64,
        MAX_LIVE_PER_ADDRESS,
        "no more emails"
    );
    assert_eq!(count(&n.p.db, "email_verifications"), MAX_LIVE_PER_ADDRESS);
}

#[test]
fn an_expired_code_is_verification_expired() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    let e = verify_at(&n, &token, &code(&n), now() + CODE_TTL_SECS).unwrap_err();
    assert!(matches!(e, ApiError::VerificationExpired), "{e:?}");
    assert_eq!(n.rows(), (0, 0, 0));
}

#[test]
fn a_verification_is_single_use_and_an_unknown_token_is_not_found() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    let right = code(&n);
    verify(&n, &token, &right).unwrap();
    let e = verify(&n, &token, &right).unwrap_err();
    assert!(matches!(e, ApiError::VerificationNotFound), "{e:?}");
    let e = verify(&n, "no-such-token", &right).unwrap_err();
    assert!(matches!(e, ApiError::VerificationNotFound), "{e:?}");
    assert_eq!(n.rows(), (1, 1, 1));
}

#[test]
fn a_resend_waits_for_its_cooldown_and_replaces_the_old_code() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    let first = code(&n);
    let e = resend(&n, &token, now() + 30).unwrap_err();
    assert!(matches!(e, ApiError::RateLimited), "{e:?}");
    assert_eq!(
        n.p.mailer.sent().len(),
        1,
        "nothing sent during the cooldown"
    );
    resend(&n, &token, now() + 61).unwrap();
    let second = code(&n);
    assert_eq!(n.p.mailer.sent().len(), 2);
    assert_ne!(first, second);
    let e = verify_at(&n, &token, &first, now() + 62).unwrap_err();
    assert!(
        matches!(e, ApiError::InvalidCode),
        "the old code is dead: {e:?}"
    );
    // The new code lives ten minutes from its sending.
    let granted = verify_at(&n, &token, &second, now() + 61 + CODE_TTL_SECS - 1).unwrap();
    assert!(granted.user.email_verified);
}

#[test]
fn resends_stop_after_the_cap() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    for i in 1..=MAX_RESENDS {
        resend(&n, &token, now() + 61 * i).unwrap();
    }
    let e = resend(&n, &token, now() + 61 * (MAX_RESENDS + 1)).unwrap_err();
    assert!(matches!(e, ApiError::TooManyResends), "{e:?}");
    assert_eq!(n.p.mailer.sent().len() as i64, 1 + MAX_RESENDS);
}

#[test]
fn a_mailer_failure_is_mailer_unavailable_and_leaves_no_pending_verification() {
    let n = otp_world(verify_on());
    n.p.mailer.fail(true);
    let e = unvouched(&n, "sub-1").unwrap_err();
    assert!(matches!(e, ApiError::MailerUnavailable(_)), "{e:?}");
    assert_eq!(count(&n.p.db, "email_verifications"), 0);
    assert_eq!(n.rows(), (0, 0, 0));
    // A failed resend keeps the live code as it was.
    n.p.mailer.fail(false);
    let token = challenged(&n, "sub-2");
    let live = code(&n);
    n.p.mailer.fail(true);
    let e = resend(&n, &token, now() + 61).unwrap_err();
    assert!(matches!(e, ApiError::MailerUnavailable(_)), "{e:?}");
    verify(&n, &token, &live).unwrap();
}

#[test]
fn a_project_without_a_mailer_answers_mailer_not_configured() {
    let mut n = otp_world(verify_on());
    n.project.mailer = None;
    let e = unvouched(&n, "sub-1").unwrap_err();
    assert!(matches!(e, ApiError::MailerNotConfigured), "{e:?}");
    assert_eq!(count(&n.p.db, "email_verifications"), 0);
}

#[test]
fn merge_off_answers_email_in_use_before_any_code_is_sent() {
    let n = otp_world(ProviderOptions {
        allow_email_account_merge: false,
        ..verify_on()
    });
    vouched_owner(&n);
    let e = unvouched(&n, "sub-1").unwrap_err();
    assert!(matches!(e, ApiError::EmailInUse), "{e:?}");
    assert!(n.p.mailer.sent().is_empty(), "no code for a dead end");
    assert_eq!(count(&n.p.db, "email_verifications"), 0);
}

#[test]
fn without_use_email_as_identifier_the_code_step_is_skipped() {
    // An older stored configuration: verify_email on, use_email_as_identifier turned off.
    let n = otp_world(ProviderOptions {
        use_email_as_identifier: false,
        ..verify_on()
    });
    let granted = unvouched(&n, "sub-1").unwrap();
    assert!(
        !granted.user.email_verified,
        "the email stays unverified contact data"
    );
    assert!(n.p.mailer.sent().is_empty());
    assert_eq!(n.rows(), (1, 1, 1));
}

#[test]
fn the_stored_code_is_neither_the_code_nor_its_bare_sha256_and_the_token_is_hashed() {
    let n = otp_world(verify_on());
    let token = challenged(&n, "sub-1");
    let right = code(&n);
    let rows =
        n.p.db
            .query("SELECT id, code_hash FROM email_verifications");
    let (id, stored) = (
        rows[0]["id"].as_str().unwrap(),
        rows[0]["code_hash"].as_str().unwrap(),
    );
    assert_ne!(stored, right);
    assert_ne!(stored, sha256_hex(&right));
    assert!(!stored.contains(&right));
    assert_ne!(id, token, "the token is not stored as it is");
    assert_eq!(id, sha256_hex(&token));
}

#[test]
fn no_statement_of_the_code_step_scans_a_table() {
    let n = otp_world(verify_on());
    // Rows to walk, had a statement walked them: other addresses' verifications and users.
    for i in 0..20 {
        let id = super::world::assume(
            &format!("s-{i}"),
            Some(&format!("u{i}@example.com")),
            false,
            None,
            &[],
        );
        let pending = sql::otp::Pending {
            id: &format!("row-{i}"),
            project_id: PID,
            provider: "oidc:dev",
            identity: &id,
            link_to: None,
            code_hash: "h",
            now: now(),
            expires_at: now() + 600,
        };
        block_on(sql::otp::create(&n.p.db, &pending, 3)).unwrap();
    }
    vouched_owner(&n);
    n.p.db.record_plans();
    let token = challenged(&n, "sub-1");
    verify(&n, &token, &wrong(&code(&n))).unwrap_err();
    resend(&n, &token, now() + 61).unwrap();
    verify_at(&n, &token, &code(&n), now() + 62).unwrap();
    let otp_statements =
        n.p.db
            .plans()
            .iter()
            .filter(|p| p.sql.contains("email_verifications"))
            .count();
    assert!(
        otp_statements >= 6,
        "the code step's statements were kept: {otp_statements}"
    );
    let walking = super::plans::walking(&n.p.db);
    assert!(walking.is_empty(), "{walking:#?}");
}
