//! Single use as the batch's first statement (`adapters/sql/single_use.rs`): a live key makes
//! the claim fail and the whole batch with it, and the failure is then read back as a replay
//! — never mistaken for one when the database failed for another reason, and never blocking
//! a key whose hold has expired.

use super::world::*;

fn at(w: &World, p: &Provider, id: &ProvenIdentity, now: i64) -> Result<Completed, ApiError> {
    block_on(complete_sign_in(&w.db, &w.project, p, id, &w.fresh(), now))
}

fn is_replay(e: &ApiError) -> bool {
    matches!(e, ApiError::InvalidSocialLogin(_))
}

#[test]
fn a_token_presented_twice_signs_in_once_and_the_second_writes_nothing() {
    let w = world();
    let g = provider("google", open());
    let id = assume(
        "g-1",
        Some("a@example.com"),
        true,
        None,
        &["idt:once", "nonce:once"],
    );
    at(&w, &g, &id, NOW).unwrap();
    let before = (w.rows(), w.count("refresh_tokens"), w.count("used_tokens"));
    let again = at(&w, &g, &id, NOW + 5).unwrap_err();
    assert!(is_replay(&again), "{again:?}");
    let after = (w.rows(), w.count("refresh_tokens"), w.count("used_tokens"));
    assert_eq!(after, before, "a replay writes nothing");
}

#[test]
fn one_used_key_among_fresh_ones_is_still_a_replay() {
    let w = world();
    let g = provider("google", open());
    at(
        &w,
        &g,
        &assume("g-1", None, false, None, &["nonce:shared"]),
        NOW,
    )
    .unwrap();
    let other = assume("g-2", None, false, None, &["idt:fresh", "nonce:shared"]);
    let e = at(&w, &g, &other, NOW + 1).unwrap_err();
    assert!(is_replay(&e), "{e:?}");
    assert_eq!(w.rows(), (1, 1, 1), "the second account was not created");
    let used = w.db.query("SELECT key FROM used_tokens ORDER BY key");
    assert_eq!(used.len(), 1, "the fresh key was not spent either");
}

#[test]
fn a_key_whose_hold_expired_is_taken_over_by_the_next_sign_in() {
    let w = world();
    let g = provider("google", open());
    let id = assume("g-1", None, false, None, &["idt:old"]);
    at(&w, &g, &id, NOW).unwrap();
    // `assume` holds keys until NOW + 600; the prune has not run.
    let later = at(&w, &g, &id, NOW + 601).unwrap();
    assert!(matches!(later, Completed::Granted(_)));
    assert_eq!(w.count("sessions"), 2);
    assert_eq!(
        w.count("used_tokens"),
        1,
        "the expired row was taken over in place"
    );
}

#[test]
fn a_storage_fault_after_the_claim_is_an_error_not_a_replay_and_spends_no_key() {
    let w = world();
    let g = provider("google", open());
    let id = assume("g-1", Some("a@example.com"), true, None, &["idt:fault"]);
    w.db.fail_statements_containing(Some("INSERT INTO sessions"));
    let e = at(&w, &g, &id, NOW).unwrap_err();
    assert!(!is_replay(&e), "a fault is not a replay: {e:?}");
    assert_eq!(e.code().as_str(), "server_error");
    assert_eq!((w.rows(), w.count("used_tokens")), ((0, 0, 0), 0));
    w.db.fail_statements_containing(None);
    at(&w, &g, &id, NOW + 1).expect("the unspent token still signs in");
}

#[test]
fn linking_with_a_used_token_links_nothing_and_says_so() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let identity = assume("gh-1", Some("a@example.com"), true, None, &["idt:link"]);
    let link = Link {
        project_id: PID,
        user_id: &g.user.id,
        sid: g.session_id.as_str(),
        provider: "github",
        identity: &identity,
        claim: "claim-1",
        now: NOW,
    };
    let done = block_on(sql::identities::link_identity(&w.db, &link)).unwrap();
    assert!(matches!(done, Change::Done(_)), "{done:?}");
    let again = Link {
        claim: "claim-2",
        now: NOW + 1,
        ..link
    };
    let replayed = block_on(sql::identities::link_identity(&w.db, &again)).unwrap();
    assert!(matches!(replayed, Change::Replayed), "{replayed:?}");
    assert_eq!(w.count("identities"), 2);
}

#[test]
fn a_new_user_id_that_is_already_taken_merges_into_no_one() {
    let w = world();
    let g = provider("google", open());
    let alice = w.sign_in(&g, "g-alice", None, false).unwrap();
    let mallory = assume("g-mallory", None, false, None, &["idt:mallory"]);
    let fresh = Fresh {
        user_id: alice.user.id.clone(),
        ..w.fresh()
    };
    let e = block_on(complete_sign_in(
        &w.db, &w.project, &g, &mallory, &fresh, NOW,
    ))
    .unwrap_err();
    assert_eq!(e.code().as_str(), "server_error", "{e:?}");
    assert_eq!(w.rows(), (1, 1, 1), "no identity joined Alice's account");
}

#[test]
fn a_key_held_by_this_same_claim_is_not_a_replay_of_it() {
    // A batch that committed although its answer was lost must not be reported as a replay
    // when the request's own retry of the read-back finds its keys.
    let w = world();
    let keys = [ReplayKey {
        key: "idt:mine".into(),
        keep_until: NOW + 600,
    }];
    let mine = sql::single_use::SingleUse::new(PID, "claim-mine", &keys);
    let claimed = block_on(mine.run(&w.db, mine.claims(NOW), NOW)).unwrap();
    assert!(claimed.is_some());
    let again = block_on(mine.run(&w.db, mine.claims(NOW + 1), NOW + 1));
    assert!(
        again.is_err(),
        "the same claim again is a failure, not a replay: {again:?}"
    );
    let other = sql::single_use::SingleUse::new(PID, "claim-other", &keys);
    let replay = block_on(other.run(&w.db, other.claims(NOW + 2), NOW + 2)).unwrap();
    assert!(replay.is_none(), "another claim's key is a replay");
}
