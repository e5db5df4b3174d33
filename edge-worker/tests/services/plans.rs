//! What a request runs never walks a table that grows with use: every statement of the
//! configuration batch, a sign-in (new and returning user, linking by email), a refresh, a
//! replayed key and a logout is run with SQLite's query plan kept, and no plan may `SCAN` a
//! table. (bench/workerd-handler.mjs caught two such statements: the used-key purge walking a
//! project's keys, and the single-use guard counting a project's keys once per write.)

use super::world::*;

/// Plan steps that read a whole table, or all of a project's rows of one (a `SEARCH` whose only
/// constraint is the project id), as opposed to a search by a key. Table functions
/// (`json_each` over a project's origins), constant rows, a statement's own `VALUES` list and
/// the result of its own subquery ([`own_results`]) are not tables, and a project's
/// own configuration (its providers) is read whole on purpose: it does not grow with use.
fn walks(step: &str) -> bool {
    if step.contains(" providers ") {
        return false;
    }
    let not_a_table = step.contains("json_each")
        || step == "SCAN CONSTANT ROW"
        || step.ends_with("-ROW VALUES CLAUSE");
    let scan = step.starts_with("SCAN") && !not_a_table;
    scan || (step.starts_with("SEARCH") && step.ends_with("(project_id=?)"))
}

/// The subqueries a plan runs as a co-routine or materializes: a `SCAN` of one reads the
/// subquery's own result (its steps are checked with the rest), not a table.
fn own_results(steps: &[String]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| {
            s.strip_prefix("CO-ROUTINE ")
                .or_else(|| s.strip_prefix("MATERIALIZE "))
        })
        .map(|name| format!("SCAN {name}"))
        .collect()
}

pub fn walking(db: &Sqlite) -> Vec<String> {
    db.plans()
        .into_iter()
        .flat_map(|p| {
            let own = own_results(&p.steps);
            p.steps
                .into_iter()
                .filter(move |s| walks(s) && !own.contains(s))
                .map(move |s| format!("{s}  <-  {}", p.sql))
        })
        .collect()
}

#[test]
fn no_statement_of_a_sign_in_refresh_or_logout_scans_a_table() {
    let w = world();
    let g = provider("google", open());
    let merge = provider(
        "microsoft",
        ProviderOptions {
            allow_email_account_merge: true,
            ..open()
        },
    );
    // Rows to walk, had a statement walked them.
    for i in 0..50 {
        w.sign_in(
            &g,
            &format!("g-{i}"),
            Some(&format!("u{i}@example.com")),
            true,
        )
        .unwrap();
    }
    w.db.record_plans();
    block_on(load(&w.db, PID, Some(("ip:1", NOW / 60)))).unwrap();
    let new = w
        .sign_in(&g, "g-new", Some("new@example.com"), true)
        .unwrap();
    w.sign_in(&g, "g-new", Some("new@example.com"), true)
        .unwrap();
    w.sign_in(&merge, "m-1", Some("u1@example.com"), true)
        .unwrap();
    let replayed = assume("g-7", None, false, None, &["idt:again"]);
    for _ in 0..2 {
        let _ = block_on(complete_sign_in(
            &w.db,
            &w.project,
            &g,
            &replayed,
            &w.fresh(),
            NOW,
        ));
    }
    let next = rotate(&w, &new.refresh_token, NOW + 5).unwrap();
    rotate(&w, &new.refresh_token, NOW + 6).unwrap();
    rotate(&w, &next.refresh_token, NOW + 7).unwrap();
    block_on(sql::sessions::revoke_sessions(
        &w.db,
        PID,
        &new.user.id,
        None,
        NOW + 8,
    ))
    .unwrap();
    assert!(w.db.plans().len() > 20, "the plans were recorded");
    let walking = walking(&w.db);
    assert!(
        walking.is_empty(),
        "statements that walk a table:\n{}",
        walking.join("\n")
    );
}
