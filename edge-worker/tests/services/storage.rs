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
fn the_request_time_purge_uses_an_index() {
    // A purge inside a request's batch that scanned would make every request cost grow with
    // the table (bench/workerd-handler.mjs caught a used-token purge walking a project's keys).
    // The one left deletes a flow's expired states; the others moved to the scheduled prune.
    let db = Sqlite::with_migrations().unwrap();
    let sql = sql::flow::PURGE_OAUTH_STATES;
    let explain = stmt(format!("EXPLAIN QUERY PLAN {sql}"), [Value::Int(1)]);
    let rows = block_on(db.batch(vec![explain])).unwrap().remove(0);
    let plan: Vec<String> = rows.iter().filter_map(|row| text(row, "detail")).collect();
    assert!(
        !plan.is_empty()
            && plan
                .iter()
                .all(|d| d.starts_with("SEARCH") && d.contains('<')),
        "{sql}: {plan:?}"
    );
}

#[test]
fn the_scheduled_prune_removes_dead_rows_and_keeps_live_ones() {
    let w = world();
    let g = provider("google", open());
    let live = w.sign_in(&g, "g-live", None, false).unwrap();
    let ended = w.sign_in(&g, "g-ended", None, false).unwrap();
    block_on(sql::sessions::revoke_sessions(
        &w.db,
        PID,
        &ended.user.id,
        None,
        NOW,
    ))
    .unwrap();
    let later = NOW + 2 * 86_400;
    let seed = [
        format!("INSERT INTO oauth_states (state_hash, project_id, provider, expires_at) VALUES ('s-dead', '{PID}', 'google', {NOW}), ('s-live', '{PID}', 'google', {})", later + 600),
        format!("INSERT INTO used_tokens (project_id, key, expires_at) VALUES ('{PID}', 'k-dead', {NOW}), ('{PID}', 'k-live', {})", later + 600),
        format!("INSERT INTO rate_counters (project_id, key, window_start, count) VALUES ('{PID}', 'ip', {NOW}, 1), ('{PID}', 'ip', {later}, 1)"),
        // A counter a Worker older than migration 0015 wrote.
        format!("INSERT INTO rate_limits (project_id, key, window_start, count) VALUES ('{PID}', 'old', {NOW}, 1), ('{PID}', 'now', {later}, 1)"),
    ];
    for sql in &seed {
        w.db.query(sql);
    }
    let pruned = block_on(sql::prune::run(&w.db, later));
    assert!(pruned.failed.is_empty(), "{pruned:?}");
    let counts = pruned.rows;
    let gone: i64 = counts.iter().map(|(_, n)| *n as i64).sum();
    assert!(gone >= 5, "{counts:?}");
    for (table, left) in [
        ("oauth_states", 1),
        ("rate_counters", 1),
        ("rate_limits", 1),
    ] {
        assert_eq!(w.count(table), left, "{table}");
    }
    let keys: Vec<String> =
        w.db.query("SELECT key FROM used_tokens")
            .iter()
            .filter_map(|r| text(r, "key"))
            .collect();
    assert!(keys.contains(&"k-live".to_owned()) && !keys.contains(&"k-dead".to_owned()));
    // The revoked session went (its refresh token is its row); the live one stayed.
    assert_eq!(w.count("sessions"), 1);
    assert!(block_on(sql::sessions::session_user(
        &w.db,
        PID,
        live.session_id.as_str(),
        &live.user.id,
        NOW
    ))
    .unwrap()
    .is_some());
}

#[test]
fn every_scheduled_prune_walks_an_index() {
    let db = Sqlite::with_migrations().unwrap();
    for prune in sql::prune::PRUNES {
        // The delete finds each row by its key, never walking the table.
        let explain = stmt(
            format!("EXPLAIN QUERY PLAN {}", prune.delete_sql()),
            [Value::Int(NOW)],
        );
        let rows = block_on(db.batch(vec![explain])).unwrap().remove(0);
        let plan: Vec<String> = rows.iter().filter_map(|r| text(r, "detail")).collect();
        assert!(
            !plan.iter().any(|d| d.starts_with("SCAN")),
            "{}: {plan:?}",
            prune.table
        );
        let (table, inner) = (prune.table, prune.select_sql());
        let explain = stmt(format!("EXPLAIN QUERY PLAN {inner}"), [Value::Int(NOW)]);
        let rows = block_on(db.batch(vec![explain])).unwrap().remove(0);
        let plan: Vec<String> = rows.iter().filter_map(|r| text(r, "detail")).collect();
        assert!(
            plan.iter()
                .any(|d| d.starts_with("SEARCH") && d.contains("INDEX")),
            "{table}: {plan:?}"
        );
    }
}

/// Every table's row count: what a failed operation must leave unchanged.
fn snapshot(w: &World) -> Vec<i64> {
    [
        "users",
        "identities",
        "sessions",
        "refresh_tokens",
        "used_tokens",
        "email_verifications",
    ]
    .iter()
    .map(|t| w.count(t))
    .collect()
}

#[test]
fn a_storage_fault_at_any_statement_of_a_sign_in_leaves_no_partial_rows() {
    for fault in [
        "INSERT INTO users",
        "INSERT INTO identities",
        "INSERT INTO sessions",
        "INSERT INTO used_tokens",
    ] {
        let w = world();
        let g = provider("google", open());
        w.sign_in(&g, "g-0", Some("z@example.com"), true).unwrap();
        let before = snapshot(&w);
        w.db.fail_statements_containing(Some(fault));
        let err = w
            .sign_in(&g, "g-new", Some("new@example.com"), true)
            .unwrap_err();
        assert!(matches!(err, ApiError::Internal(_)), "{fault}: {err:?}");
        assert_eq!(snapshot(&w), before, "{fault}");
        w.db.fail_statements_containing(None);
        assert!(
            w.sign_in(&g, "g-new", Some("new@example.com"), true)
                .is_ok(),
            "{fault}: nothing was consumed"
        );
    }
}

#[test]
fn a_storage_fault_during_refresh_keeps_the_old_token_working() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let before = snapshot(&w);
    w.db.fail_statements_containing(Some("UPDATE sessions SET revoked_at"));
    let err = rotate(&w, &g.refresh_token, NOW + 5).unwrap_err();
    assert!(matches!(err, ApiError::Internal(_)), "{err:?}");
    assert_eq!(snapshot(&w), before);
    w.db.fail_statements_containing(None);
    assert!(rotate(&w, &g.refresh_token, NOW + 6).is_ok());
}

#[test]
fn a_storage_fault_during_linking_or_unlinking_changes_nothing() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let key = "idt:fault-link";
    let identity = assume("gh-1", Some("a@example.com"), true, None, &[key]);
    let link = sql::identities::Link {
        project_id: PID,
        user_id: &g.user.id,
        sid: g.session_id.as_str(),
        provider: "github",
        identity: &identity,
        claim: key,
        now: NOW,
    };
    let before = snapshot(&w);
    w.db.fail_statements_containing(Some("SELECT user_id FROM identities"));
    assert!(block_on(sql::identities::link_identity(&w.db, &link)).is_err());
    assert_eq!(snapshot(&w), before, "no identity and no spent key");
    w.db.fail_statements_containing(None);
    assert!(matches!(
        block_on(sql::identities::link_identity(&w.db, &link)).unwrap(),
        Change::Done(_)
    ));
    let before = snapshot(&w);
    w.db.fail_statements_containing(Some("DELETE FROM identities"));
    let unlink = sql::identities::unlink_identity(
        &w.db,
        PID,
        &g.user.id,
        g.session_id.as_str(),
        "github",
        NOW,
    );
    assert!(block_on(unlink).is_err());
    assert_eq!(snapshot(&w), before, "the identity is still there");
}

#[test]
fn one_scheduled_run_drains_a_backlog_larger_than_a_batch() {
    // A minute of 1,000 sign-ins/s leaves 120,000 dead single-use keys: one run must not stop
    // at its first batch of each table.
    let w = world();
    let dead = 2 * sql::prune::BATCH_ROWS + 7;
    w.db.query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {dead}) \
         INSERT INTO used_tokens (project_id, key, expires_at) SELECT '{PID}', 'k-' || i, {NOW} FROM n"
    ));
    w.db.query(&format!(
        "INSERT INTO used_tokens (project_id, key, expires_at) VALUES ('{PID}', 'k-live', {})",
        NOW + 3600
    ));
    let counts = block_on(sql::prune::run(&w.db, NOW + 1)).rows;
    let used: usize = counts
        .iter()
        .filter(|(t, _)| *t == "used_tokens")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(used as i64, dead, "{counts:?}");
    assert_eq!(w.count("used_tokens"), 1, "only the live key is left");
}

#[test]
fn a_prune_that_cannot_run_stops_only_itself() {
    // A table a migration has dropped (or not made yet) fails its own delete; the batch it was
    // in is one transaction, so the others are run again alone and still remove their rows.
    let w = world();
    w.db.query("DROP TABLE rate_limits");
    w.db.query(&format!(
        "INSERT INTO used_tokens (project_id, key, expires_at) VALUES ('{PID}', 'k-dead', {NOW})"
    ));
    let pruned = block_on(sql::prune::run(&w.db, NOW + 1));
    let failed: Vec<&str> = pruned.failed.iter().map(|(t, _)| *t).collect();
    assert_eq!(failed, ["rate_limits"]);
    assert_eq!(
        w.count("used_tokens"),
        0,
        "the other prunes ran: {pruned:?}"
    );
}
