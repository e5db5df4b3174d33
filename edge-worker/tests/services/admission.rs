//! The one-round-trip sign-in's guard (`adapters::admitted`): a batch decided on a cached
//! configuration commits only while that configuration is current and the request is within
//! its rate limit; otherwise nothing of it is kept and the reason is known. A read-only
//! admission (`GET /user`) writes nothing and drops a stale answer.

use super::world::*;
use kith_worker::adapters::admitted::{Admission, Admitted, Outcome, Rate, Refused};
use std::rc::Rc;

fn version(db: &Sqlite) -> i64 {
    int(
        &db.query(&format!(
            "SELECT config_version AS v FROM projects WHERE id = '{PID}'"
        ))[0],
        "v",
    )
    .unwrap()
}

fn admission(version: i64, limit: i64) -> Admission {
    Admission {
        project_id: PID.into(),
        version,
        rate: Some(Rate {
            key: "signin:203.0.113.9".into(),
            window: NOW - NOW % 60,
            origin: None,
            limit,
        }),
    }
}

/// Signs `subject` in through a guarded database; the outcome of its batches.
fn guarded_sign_in(w: &World, a: Admission, subject: &str) -> (bool, Rc<Outcome>) {
    let outcome = Rc::new(Outcome::default());
    let db = Admitted::new(&w.db, Some(a), outcome.clone());
    let g = provider("google", open());
    let id = assume(subject, None, false, None, &[&format!("idt:{subject}")]);
    let ok = block_on(complete_sign_in(&db, &w.project, &g, &id, &w.fresh(), NOW)).is_ok();
    (ok, outcome)
}

fn counter(w: &World) -> i64 {
    w.db.query("SELECT count FROM rate_counters")
        .first()
        .and_then(|r| int(r, "count"))
        .unwrap_or(0)
}

#[test]
fn every_admin_write_of_a_project_or_provider_moves_its_configuration_version() {
    let w = world();
    let v0 = version(&w.db);
    block_on(sql::admin::put_project(&w.db, &w.project, NOW)).unwrap();
    let v1 = version(&w.db);
    let g = provider("google", open());
    block_on(sql::admin::put_provider(
        &w.db, PID, "google", true, &g.config, None, NOW,
    ))
    .unwrap();
    let v2 = version(&w.db);
    assert!(v0 < v1 && v1 < v2, "{v0} {v1} {v2}");
}

#[test]
fn a_batch_decided_on_the_current_configuration_commits_and_counts_the_request() {
    let w = world();
    let (ok, outcome) = guarded_sign_in(&w, admission(version(&w.db), 5), "g-1");
    assert!(ok);
    assert!(outcome.committed.get());
    assert_eq!(outcome.refused.get(), None);
    assert_eq!(w.rows(), (1, 1, 1));
    assert_eq!(counter(&w), 1, "counted in the same batch");
    assert_eq!(w.count("admission_guard"), 0);
}

#[test]
fn a_batch_decided_on_a_stale_configuration_writes_nothing_and_says_so() {
    let w = world();
    let cached = version(&w.db);
    // An admin disables a provider (or removes an origin, lowers a limit) after the isolate
    // cached the configuration.
    let g = provider("google", open());
    block_on(sql::admin::put_provider(
        &w.db, PID, "google", false, &g.config, None, NOW,
    ))
    .unwrap();
    let (ok, outcome) = guarded_sign_in(&w, admission(cached, 5), "g-1");
    assert!(!ok);
    assert_eq!(outcome.refused.get(), Some(Refused::Stale));
    assert!(!outcome.committed.get());
    assert_eq!(w.rows(), (0, 0, 0));
    assert_eq!(w.count("used_tokens"), 0, "the single-use key is not spent");
    assert_eq!(counter(&w), 0, "not counted: the fresh path counts it");
}

#[test]
fn a_batch_over_the_rate_limit_writes_nothing_and_says_so() {
    let w = world();
    let v = version(&w.db);
    assert!(guarded_sign_in(&w, admission(v, 2), "g-1").0);
    assert!(guarded_sign_in(&w, admission(v, 2), "g-2").0);
    let (ok, outcome) = guarded_sign_in(&w, admission(v, 2), "g-3");
    assert!(!ok);
    assert_eq!(outcome.refused.get(), Some(Refused::RateLimited));
    assert_eq!(w.count("users"), 2);
    assert_eq!(counter(&w), 2);
}

#[test]
fn a_stale_configuration_is_refused_also_when_the_window_already_has_its_counter() {
    // The counter's row exists (the conflict path of the increment): still refused, and the
    // count is the one before.
    let w = world();
    let cached = version(&w.db);
    assert!(guarded_sign_in(&w, admission(cached, 5), "g-1").0);
    block_on(sql::admin::put_project(&w.db, &w.project, NOW)).unwrap();
    let (ok, outcome) = guarded_sign_in(&w, admission(cached, 5), "g-2");
    assert!(!ok);
    assert_eq!(outcome.refused.get(), Some(Refused::Stale));
    assert_eq!(w.count("users"), 1);
    assert_eq!(counter(&w), 1);
}

#[test]
fn a_new_window_starts_its_own_count_beside_the_full_last_one() {
    let w = world();
    let v = version(&w.db);
    assert!(guarded_sign_in(&w, admission(v, 1), "g-1").0);
    assert!(
        !guarded_sign_in(&w, admission(v, 1), "g-2").0,
        "the window is full"
    );
    let mut next = admission(v, 1);
    if let Some(r) = next.rate.as_mut() {
        r.window += 60;
    }
    assert!(
        guarded_sign_in(&w, next, "g-2").0,
        "the next minute has its own budget"
    );
    let counts: Vec<(i64, i64)> =
        w.db.query("SELECT window_start, count FROM rate_counters ORDER BY window_start")
            .iter()
            .filter_map(|r| Some((int(r, "window_start")?, int(r, "count")?)))
            .collect();
    let window = NOW - NOW % 60;
    assert_eq!(counts, [(window, 1), (window + 60, 1)]);
}

/// `GET /user`'s admission: no counter, the version read beside the user.
fn reading(version: i64) -> Admission {
    Admission {
        project_id: PID.into(),
        version,
        rate: None,
    }
}

fn read_user(
    w: &World,
    a: Admission,
    g: &kith_worker::app::signin::Granted,
) -> (bool, Rc<Outcome>) {
    let outcome = Rc::new(Outcome::default());
    let db = Admitted::new(&w.db, Some(a), outcome.clone());
    let sid = g.session_id.as_str();
    let user = block_on(sql::sessions::session_user(&db, PID, sid, &g.user.id, NOW));
    (matches!(user, Ok(Some(_))), outcome)
}

#[test]
fn a_read_on_the_current_configuration_writes_nothing_and_answers() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-r", None, false)
        .unwrap();
    let before = (counter(&w), w.count("admission_guard"));
    let (ok, outcome) = read_user(&w, reading(version(&w.db)), &g);
    assert!(ok);
    assert!(outcome.committed.get());
    assert_eq!(outcome.refused.get(), None);
    assert_eq!(
        (counter(&w), w.count("admission_guard")),
        before,
        "a read writes nothing, so it may run on a replica"
    );
}

#[test]
fn a_read_on_a_stale_configuration_is_refused_and_its_answer_dropped() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-s", None, false)
        .unwrap();
    let cached = version(&w.db);
    block_on(sql::admin::put_project(&w.db, &w.project, NOW)).unwrap();
    let (ok, outcome) = read_user(&w, reading(cached), &g);
    assert!(
        !ok,
        "no user from a batch read on a configuration the project moved past"
    );
    assert_eq!(outcome.refused.get(), Some(Refused::Stale));
    assert!(!outcome.committed.get());
}
