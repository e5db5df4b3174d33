//! Single use, transactions and purges of the sign-in batch.

use super::world::*;

#[test]
fn a_single_use_key_presented_twice_is_refused_and_writes_nothing() {
    let w = world();
    let g = provider("google", open());
    let id = assume("g-1", None, false, None, &["nonce:abc"]);
    assert!(block_on(complete_sign_in(
        &w.db,
        &w.project,
        &g,
        &id,
        &w.fresh(),
        NOW
    ))
    .is_ok());
    let before = w.rows();
    let again = block_on(complete_sign_in(
        &w.db,
        &w.project,
        &g,
        &id,
        &w.fresh(),
        NOW,
    ));
    assert!(
        matches!(again, Err(ApiError::InvalidSocialLogin(_))),
        "{again:?}"
    );
    assert_eq!(w.rows(), before);
    // Expired keys are forgotten.
    assert!(block_on(complete_sign_in(
        &w.db,
        &w.project,
        &g,
        &id,
        &w.fresh(),
        NOW + 601
    ))
    .is_ok());
}

#[test]
fn a_failure_midway_through_the_sign_in_batch_leaves_no_partial_user_identity_or_session() {
    let w = world();
    let g = provider("google", open());
    let first = w.sign_in(&g, "g-1", None, false).unwrap();
    let before = w.rows();
    // A new account whose session id collides with an existing session: the user and identity
    // inserts run, then the session insert fails inside the same transaction.
    let id = assume("g-2", Some("b@example.com"), true, None, &["idt:midway"]);
    let fresh = Fresh {
        session_id: first.session_id.clone(),
        ..w.fresh()
    };
    let err = block_on(complete_sign_in(&w.db, &w.project, &g, &id, &fresh, NOW)).unwrap_err();
    assert!(matches!(err, ApiError::Internal(_)), "{err:?}");
    assert_eq!(w.rows(), before);
    assert_eq!(
        w.count("used_tokens"),
        1,
        "not even the single-use key was kept"
    );
    // The same token can then sign in normally: nothing was consumed.
    assert!(block_on(complete_sign_in(
        &w.db,
        &w.project,
        &g,
        &id,
        &w.fresh(),
        NOW
    ))
    .is_ok());
}

#[test]
fn every_purge_uses_an_index() {
    // Purges run inside sign-in batches; a scan would make every sign-in cost grow with the
    // table (bench/workerd-handler.mjs caught the used-token purge walking a project's keys).
    let db = Sqlite::with_migrations().unwrap();
    for (sql, params) in [
        (sql::config::PURGE_RATE_LIMITS, 2),
        (sql::signin::PURGE_USED_TOKENS, 2),
        (sql::flow::PURGE_OAUTH_STATES, 1),
    ] {
        let args = (0..params).map(|i| kith_worker::app::store::Value::Int(i + 1));
        let explain = kith_worker::app::store::stmt(format!("EXPLAIN QUERY PLAN {sql}"), args);
        let rows = block_on(db.batch(vec![explain])).unwrap().remove(0);
        let plan: Vec<String> = rows
            .iter()
            .filter_map(|row| kith_worker::app::store::text(row, "detail"))
            .collect();
        assert!(
            !plan.is_empty()
                && plan
                    .iter()
                    .all(|d| d.starts_with("SEARCH") && d.contains('<')),
            "{sql}: {plan:?}"
        );
    }
}
