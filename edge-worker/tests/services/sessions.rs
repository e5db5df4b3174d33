//! Refresh rotation, revocation and sign-out, the rate-limit counters.

use super::world::*;

#[test]
fn refresh_rotates_and_a_racing_tab_within_the_grace_gets_the_same_successor() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let a = rotate(&w, &g.refresh_token, NOW + 5).unwrap();
    let b = rotate(&w, &g.refresh_token, NOW + 6).unwrap();
    assert_eq!(a.refresh_token, b.refresh_token);
    assert_ne!(a.refresh_token, g.refresh_token);
    assert_eq!(a.session_id, g.session_id);
    assert_eq!(a.user.id, g.user.id);
    let c = rotate(&w, &a.refresh_token, NOW + 7).unwrap();
    assert_ne!(c.refresh_token, a.refresh_token);
}

#[test]
fn a_session_is_one_row_however_often_it_refreshes() {
    let w = world();
    let mut token = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap()
        .refresh_token;
    for i in 0..50 {
        token = rotate(&w, &token, NOW + 1 + i).unwrap().refresh_token;
    }
    assert_eq!((w.count("sessions"), w.count("refresh_tokens")), (1, 0));
    let stored = w.db.query("SELECT generation, refresh_hash FROM sessions");
    assert_eq!(int(&stored[0], "generation"), Some(50));
    let hash = text(&stored[0], "refresh_hash").unwrap();
    assert_eq!(
        hash,
        kith_claims::hex::sha256_hex(token.expose()),
        "only a hash is kept"
    );
}

#[test]
fn reuse_of_any_older_generation_revokes_the_session() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let one = rotate(&w, &g.refresh_token, NOW + 1).unwrap();
    let two = rotate(&w, &one.refresh_token, NOW + 2).unwrap();
    let three = rotate(&w, &two.refresh_token, NOW + 3).unwrap();
    // Generation 1 is two rotations old: within the grace of the last rotation, still reuse.
    assert!(matches!(
        rotate(&w, &one.refresh_token, NOW + 4),
        Err(ApiError::InvalidRefreshToken)
    ));
    assert!(matches!(
        rotate(&w, &three.refresh_token, NOW + 5),
        Err(ApiError::InvalidRefreshToken)
    ));
    assert_eq!(w.count("sessions WHERE revoked_at IS NOT NULL"), 1);
}

#[test]
fn a_token_with_a_forged_generation_or_tag_is_refused_and_revokes_nothing() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let token = g.refresh_token.expose().to_owned();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 4, "{token}");
    let other = w
        .sign_in(&provider("google", open()), "g-2", None, false)
        .unwrap();
    let forged = [
        // Another generation with the same tag: a reuse claim Kith never issued.
        format!("{}.7.{}.{}", parts[0], parts[2], parts[3]),
        // Another session's id under this token's tag.
        format!("{}.0.{}.{}", other.session_id.as_str(), parts[2], parts[3]),
        format!("{}.0.{}.{}x", parts[0], parts[2], parts[3]),
        format!("{}.-1.{}.{}", parts[0], parts[2], parts[3]),
        "a.b.c.d".to_owned(),
        String::new(),
    ];
    for f in &forged {
        assert!(
            matches!(
                rotate(&w, &RefreshToken::new(f.clone()), NOW + 1),
                Err(ApiError::InvalidRefreshToken)
            ),
            "{f}"
        );
    }
    assert_eq!(w.count("sessions WHERE revoked_at IS NOT NULL"), 0);
    assert!(rotate(&w, &g.refresh_token, NOW + 2).is_ok());
    assert!(rotate(&w, &other.refresh_token, NOW + 2).is_ok());
}

#[test]
fn refresh_tokens_outlive_a_secrets_key_rotation_while_the_old_key_is_listed() {
    const NEW_KEY: &str = "bmV3IHR3aW4ga2V5OiB0ZXN0cyBvbmx5IDMyIGJ5dGU";
    let mut w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let old = kith_worker::adapters::twins::crypto::TWIN_SECRETS_KEY;
    w.crypto = NativeCrypto::with_keys(&format!("{NEW_KEY},{old}")).unwrap();
    let next = rotate(&w, &g.refresh_token, NOW + 1).unwrap();
    // The successor is tagged with the new key: it keeps working once the old one is gone.
    w.crypto = NativeCrypto::with_keys(NEW_KEY).unwrap();
    assert!(rotate(&w, &next.refresh_token, NOW + 2).is_ok());
}

#[test]
fn a_refresh_token_of_the_first_format_still_rotates_and_its_reuse_revokes() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    // A session opened before generations: no hash in its row, its token in refresh_tokens.
    let legacy = w.to_first_format(&g.session_id);
    let next = rotate(&w, &legacy, NOW + 1).unwrap();
    assert_eq!(next.session_id, g.session_id);
    assert!(
        !next.refresh_token.expose().contains('.'),
        "rotates in its own format"
    );
    assert!(rotate(&w, &next.refresh_token, NOW + 2).is_ok());
    // The new format's token of that session is no longer current: refused, nothing revoked
    // by it; the first format's reuse after the grace revokes the family.
    assert!(rotate(&w, &g.refresh_token, NOW + 3).is_err());
    assert!(rotate(&w, &legacy, NOW + 30).is_err());
    assert_eq!(w.count("sessions WHERE revoked_at IS NOT NULL"), 1);
}

#[test]
fn unknown_expired_and_revoked_refresh_tokens_are_refused() {
    let w = world();
    assert!(matches!(
        rotate(&w, &RefreshToken::new("nope"), NOW),
        Err(ApiError::InvalidRefreshToken)
    ));
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let late = NOW + w.project.settings.session_ttl_secs + 1;
    assert!(matches!(
        rotate(&w, &g.refresh_token, late),
        Err(ApiError::InvalidRefreshToken)
    ));
    let h = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    assert_eq!(
        block_on(sql::sessions::revoke_sessions(
            &w.db,
            PID,
            &h.user.id,
            Some(h.session_id.as_str()),
            NOW
        ))
        .unwrap(),
        1
    );
    assert!(matches!(
        rotate(&w, &h.refresh_token, NOW),
        Err(ApiError::InvalidRefreshToken)
    ));
}

#[test]
fn global_logout_revokes_every_session_of_the_user_only() {
    let w = world();
    let g = provider("google", open());
    let a = w.sign_in(&g, "g-1", None, false).unwrap();
    let b = w.sign_in(&g, "g-1", None, false).unwrap();
    let other = w.sign_in(&g, "g-2", None, false).unwrap();
    assert_eq!(
        block_on(sql::sessions::revoke_sessions(
            &w.db, PID, &a.user.id, None, NOW
        ))
        .unwrap(),
        2
    );
    assert!(block_on(sql::sessions::session_user(
        &w.db,
        PID,
        b.session_id.as_str(),
        &b.user.id,
        NOW
    ))
    .unwrap()
    .is_none());
    assert!(block_on(sql::sessions::session_user(
        &w.db,
        PID,
        other.session_id.as_str(),
        &other.user.id,
        NOW
    ))
    .unwrap()
    .is_some());
}

#[test]
fn sessions_are_not_shared_across_projects() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    assert!(block_on(sql::sessions::session_user(
        &w.db,
        "11111111-2222-4333-8444-555555555555",
        g.session_id.as_str(),
        &g.user.id,
        NOW
    ))
    .unwrap()
    .is_none());
}

#[test]
fn the_config_batch_counts_requests_per_minute_window() {
    let w = world();
    let c1 = block_on(load(&w.db, PID, Some(("signin:1.2.3.4", NOW)))).unwrap();
    let c2 = block_on(load(&w.db, PID, Some(("signin:1.2.3.4", NOW)))).unwrap();
    let next = block_on(load(&w.db, PID, Some(("signin:1.2.3.4", NOW + 60)))).unwrap();
    assert_eq!(
        (c1.rate_count, c2.rate_count, next.rate_count),
        (Some(1), Some(2), Some(1))
    );
    assert!(matches!(
        block_on(load(&w.db, "nope", Some(("k", NOW)))),
        Err(ApiError::ProjectNotFound)
    ));
    assert_eq!(block_on(w.db.batch(vec![])).unwrap().len(), 0);
}

#[test]
fn a_counter_is_one_row_per_window_and_the_prune_removes_past_windows() {
    let w = world();
    for ip in ["1.1.1.1", "2.2.2.2", "1.1.1.1"] {
        block_on(load(&w.db, PID, Some((&format!("signin:{ip}"), NOW)))).unwrap();
    }
    assert_eq!(
        w.count("rate_counters"),
        2,
        "a second request in its window counts in the same row"
    );
    block_on(load(&w.db, PID, Some(("signin:1.1.1.1", NOW + 60)))).unwrap();
    assert_eq!(
        w.count("rate_counters"),
        3,
        "the next window has a row of its own"
    );
    // Two minutes on, the first window's counters are dead; the second's is kept.
    assert!(block_on(sql::prune::run(&w.db, NOW + 121))
        .failed
        .is_empty());
    let left = w.db.query("SELECT key, window_start FROM rate_counters");
    assert_eq!(
        left.len(),
        1,
        "only the last window's counter is left: {left:?}"
    );
    assert_eq!(int(&left[0], "window_start"), Some(NOW + 60));
}

#[test]
fn reuse_after_the_grace_revokes_the_whole_family() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let a = rotate(&w, &g.refresh_token, NOW + 5).unwrap();
    let stolen = rotate(&w, &g.refresh_token, NOW + 5 + 11);
    assert!(matches!(stolen, Err(ApiError::InvalidRefreshToken)));
    // The legitimate holder's successor dies with the family.
    let legit = rotate(&w, &a.refresh_token, NOW + 17);
    assert!(matches!(legit, Err(ApiError::InvalidRefreshToken)));
    assert!(block_on(sql::sessions::session_user(
        &w.db,
        PID,
        g.session_id.as_str(),
        &g.user.id,
        NOW + 18
    ))
    .unwrap()
    .is_none());
}

#[test]
fn a_foreign_origin_does_not_spend_the_budget_of_its_ip() {
    let w = world();
    let project = Project {
        allowed_origins: vec!["https://app.example".into()],
        ..w.project.clone()
    };
    block_on(sql::admin::put_project(&w.db, &project, NOW)).unwrap();
    let count = |origin| {
        let c = sql::config::Count {
            key: "signin:1.2.3.4",
            window: NOW,
            origin,
        };
        block_on(sql::config::load(&w.db, PID, Some(&c)))
            .unwrap()
            .unwrap()
            .rate_count
    };
    for _ in 0..5 {
        assert_eq!(count(Some("https://evil.example")), None, "not counted");
    }
    assert_eq!(count(Some("https://app.example")), Some(1));
    assert_eq!(count(None), Some(2), "a server call (no Origin) is counted");
}

#[test]
fn session_check_answers_live_only_for_a_live_session_of_this_project() {
    use kith_worker::app::sessions::is_active;
    let w = world();
    let g = provider("google", open());
    let a = w.sign_in(&g, "g-1", None, false).unwrap();
    let b = w.sign_in(&g, "g-2", None, false).unwrap();
    let sid = a.session_id.as_str();
    assert!(block_on(is_active(&w.db, &w.project, sid, NOW)).unwrap());
    assert!(!block_on(is_active(&w.db, &w.project, "no-such-session", NOW)).unwrap());
    let late = NOW + w.project.settings.session_ttl_secs + 1;
    assert!(!block_on(is_active(&w.db, &w.project, sid, late)).unwrap());
    let mut other = w.project.clone();
    other.id = ProjectId::parse("5d1c4b2a-0000-4000-8000-000000000001").unwrap();
    block_on(sql::admin::put_project(&w.db, &other, NOW)).unwrap();
    assert!(
        !block_on(is_active(&w.db, &other, sid, NOW)).unwrap(),
        "a session of another project is not live here"
    );
    block_on(sql::sessions::revoke_sessions(
        &w.db, PID, &a.user.id, None, NOW,
    ))
    .unwrap();
    assert!(!block_on(is_active(&w.db, &w.project, sid, NOW)).unwrap());
    assert!(block_on(is_active(&w.db, &w.project, b.session_id.as_str(), NOW)).unwrap());
}

#[test]
fn session_check_refuses_an_empty_or_overlong_sid() {
    use kith_worker::app::sessions::is_active;
    let w = world();
    for sid in [String::new(), "s".repeat(129)] {
        let got = block_on(is_active(&w.db, &w.project, &sid, NOW));
        assert!(matches!(got, Err(ApiError::InvalidRequest(_))), "{sid}");
    }
}

#[test]
fn session_checks_spend_their_own_larger_budget_not_the_refresh_one() {
    use kith_worker::app::config::{check_rate, Limited};
    let w = world();
    let mut config = block_on(load(&w.db, PID, None)).unwrap();
    let settings = config.project.settings;
    assert!(settings.check_per_minute > settings.refresh_per_minute);
    // A backend past the refresh budget is still within its checks.
    config.rate_count = Some(settings.refresh_per_minute + 1);
    assert!(check_rate(&config, Some(Limited::Check)).is_ok());
    assert!(matches!(
        check_rate(&config, Some(Limited::Refresh)),
        Err(ApiError::RateLimited)
    ));
    config.rate_count = Some(settings.check_per_minute + 1);
    assert!(matches!(
        check_rate(&config, Some(Limited::Check)),
        Err(ApiError::RateLimited)
    ));
    let zero = ProjectSettings {
        check_per_minute: 0,
        ..settings
    };
    assert!(zero.validate().is_err());
}
