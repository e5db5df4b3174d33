//! The long-term bounds of email verification: wrong codes per address and day, and a
//! resend that cannot revive a verification killed meanwhile.

use super::otp::{challenged, code, otp_world, resend, unvouched, verify_at, verify_on, wrong};
use super::world::{count, now, PID};
use futures_executor::block_on;
use kith_worker::adapters::sql;
use kith_worker::app::otp::{MAX_ATTEMPTS, MAX_LIVE_PER_ADDRESS, MAX_TRIES_PER_DAY};
use kith_worker::error::ApiError;

/// Moves every verification `secs` into the past (as if that much time had gone by).
fn age(n: &super::native::Native, secs: i64) {
    n.p.db.query(&format!(
        "UPDATE email_verifications SET created_at = created_at - {secs}, \
         expires_at = expires_at - {secs}, sent_at = sent_at - {secs}"
    ));
}

/// A verification and its right code.
fn fresh_one(n: &super::native::Native, sub: &str) -> (String, String) {
    let token = challenged(n, sub);
    (token, code(n))
}

#[test]
fn the_twenty_first_wrong_code_of_a_day_is_refused_even_on_a_fresh_verification() {
    let n = otp_world(verify_on());
    // Earlier today: three verifications guessed to death (15 wrong codes).
    for i in 0..MAX_LIVE_PER_ADDRESS {
        let (token, right) = fresh_one(&n, &format!("early-{i}"));
        for _ in 0..MAX_ATTEMPTS {
            let e = verify_at(&n, &token, &wrong(&right), now() + 1).unwrap_err();
            assert!(matches!(e, ApiError::InvalidCode), "{e:?}");
        }
    }
    age(&n, 2 * 3600);
    // Now: fresh verifications (15 < 20), and five more wrong codes reach the cap.
    let (a, a_right) = fresh_one(&n, "late-a");
    let (b, b_right) = fresh_one(&n, "late-b");
    for _ in 0..(MAX_TRIES_PER_DAY - MAX_LIVE_PER_ADDRESS * MAX_ATTEMPTS) {
        let e = verify_at(&n, &a, &wrong(&a_right), now() + 1).unwrap_err();
        assert!(matches!(e, ApiError::InvalidCode), "{e:?}");
    }
    // The 21st try is refused before any comparison, on a verification with no try yet,
    // and so is the right code: a guess that lands is worth nothing.
    let e = verify_at(&n, &b, &wrong(&b_right), now() + 1).unwrap_err();
    assert!(matches!(e, ApiError::RateLimited), "{e:?}");
    let e = verify_at(&n, &b, &b_right, now() + 2).unwrap_err();
    assert!(matches!(e, ApiError::RateLimited), "{e:?}");
    assert_eq!(n.rows(), (0, 0, 0));
    // Nor does a new sign-in get a code (no email, no row).
    let (sent, rows) = (
        n.p.mailer.sent().len(),
        count(&n.p.db, "email_verifications"),
    );
    let e = unvouched(&n, "late-c").unwrap_err();
    assert!(matches!(e, ApiError::RateLimited), "{e:?}");
    assert_eq!(n.p.mailer.sent().len(), sent, "no email");
    assert_eq!(count(&n.p.db, "email_verifications"), rows);
    // The dead rows outlive the prune for the day their tries count.
    assert!(block_on(sql::prune::run(&n.p.db, now() + 3600))
        .failed
        .is_empty());
    assert_eq!(count(&n.p.db, "email_verifications"), rows);
    // A day later the address may try again.
    age(&n, 24 * 3600);
    let (c, c_right) = fresh_one(&n, "next-day");
    let granted = verify_at(&n, &c, &c_right, now() + 1).unwrap();
    assert!(granted.user.email_verified);
    assert!(block_on(sql::prune::run(&n.p.db, now() + 3600))
        .failed
        .is_empty());
    assert_eq!(
        count(&n.p.db, "email_verifications"),
        0,
        "pruned a day after expiry"
    );
}

#[test]
fn a_resend_racing_the_last_wrong_code_does_not_revive_the_verification() {
    let n = otp_world(verify_on());
    let (token, right) = fresh_one(&n, "sub-1");
    let id = kith_claims::hex::sha256_hex(&token);
    // The resend read the row while it was alive ...
    let read = block_on(sql::otp::find(&n.p.db, &id, PID))
        .unwrap()
        .unwrap();
    // ... then the fifth wrong code killed it ...
    for _ in 0..MAX_ATTEMPTS {
        let e = verify_at(&n, &token, &wrong(&right), now() + 1).unwrap_err();
        assert!(matches!(e, ApiError::InvalidCode), "{e:?}");
    }
    // ... so its new code is not stored.
    let replace = |at: i64| sql::otp::Replace {
        id: &id,
        old_hash: &read.code_hash,
        new_hash: "new-hash",
        now: at,
        expires_at: at + 600,
        max_attempts: MAX_ATTEMPTS,
    };
    assert!(!block_on(sql::otp::replace_code(&n.p.db, &replace(now() + 61))).unwrap());
    // Nor for an expired one.
    let (other, _) = fresh_one(&n, "sub-2");
    let other_id = kith_claims::hex::sha256_hex(&other);
    let read = block_on(sql::otp::find(&n.p.db, &other_id, PID))
        .unwrap()
        .unwrap();
    let late = sql::otp::Replace {
        id: &other_id,
        old_hash: &read.code_hash,
        new_hash: "new-hash",
        now: now() + 601,
        expires_at: now() + 1201,
        max_attempts: MAX_ATTEMPTS,
    };
    assert!(!block_on(sql::otp::replace_code(&n.p.db, &late)).unwrap());
    let e = resend(&n, &other, now() + 601).unwrap_err();
    assert!(matches!(e, ApiError::VerificationExpired), "{e:?}");
    let hashes = n.p.db.query("SELECT code_hash FROM email_verifications");
    assert!(
        hashes.iter().all(|r| r["code_hash"] != "new-hash"),
        "{hashes:?}"
    );
}
