//! The sign-in and session services on the native SQLite twin of D1: the same SQL and the
//! same migration files as production, the linking matrix and refresh rotation in
//! milliseconds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use futures_executor::block_on;
use kith_worker::db::sqlite::Sqlite;
use kith_worker::db::{int, Db};
use kith_worker::error::ApiError;
use kith_worker::model::{
    Project, ProjectSettings, Provider, ProviderConfig, ProviderOptions, TokenAuthMethod,
};
use kith_worker::repo;
use kith_worker::signin::{complete_sign_in, refresh, Fresh, Granted, VerifiedIdentity};
use std::cell::Cell;

const PID: &str = "0b5e7c1e-4a57-4c39-9a38-6f1d2f6f7a10";
const NOW: i64 = 1_800_000_000;
const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

struct World {
    db: Sqlite,
    project: Project,
    counter: Cell<u32>,
}

fn provider(name: &str, options: ProviderOptions) -> Provider {
    Provider {
        name: name.into(),
        enabled: true,
        config: ProviderConfig {
            client_id: "c".into(),
            allowed_client_ids: vec![],
            issuer: "https://op.example".into(),
            authorization_endpoint: "https://op.example/auth".into(),
            token_endpoint: "https://op.example/token".into(),
            userinfo_endpoint: None,
            jwks_uri: Some("https://op.example/jwks".into()),
            scopes: vec!["openid".into()],
            token_endpoint_auth_method: TokenAuthMethod::ClientSecretBasic,
            options,
            algorithms: vec![],
            tenant: None,
            allowed_tenants: vec![],
            hosted_domain: None,
            team_id: None,
            key_id: None,
            discovery_url: None,
        },
        client_secret_enc: None,
    }
}

fn world() -> World {
    let db = Sqlite::with_migrations().unwrap();
    let project = Project {
        id: PID.into(),
        name: "t".into(),
        allowed_origins: vec![],
        redirect_urls: vec![],
        self_registration: true,
        settings: ProjectSettings {
            refresh_grace_secs: 10,
            ..ProjectSettings::default()
        },
    };
    block_on(repo::put_project(&db, &project, NOW)).unwrap();
    World {
        db,
        project,
        counter: Cell::new(0),
    }
}

impl World {
    fn fresh(&self) -> Fresh {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        Fresh {
            user_id: format!("user-{n}"),
            session_id: format!("session-{n}"),
            refresh_token: format!("refresh-{n}"),
            verification_id: format!("verify-{n}"),
            verification_code: "123456".into(),
        }
    }

    fn sign_in(
        &self,
        p: &Provider,
        subject: &str,
        email: Option<&str>,
        trusted: bool,
    ) -> Result<Granted, ApiError> {
        let id = VerifiedIdentity {
            subject: subject.into(),
            email: email.map(str::to_owned),
            email_trusted: trusted,
            name: Some("N".into()),
            picture: None,
            replay_keys: vec![(format!("idt:{}-{}", subject, self.counter.get()), NOW + 600)],
        };
        block_on(complete_sign_in(
            &self.db,
            &self.project,
            p,
            &id,
            &self.fresh(),
            NOW,
        ))
    }

    fn count(&self, table: &str) -> i64 {
        int(
            &self.db.query(&format!("SELECT count(*) AS n FROM {table}"))[0],
            "n",
        )
        .unwrap()
    }

    fn rows(&self) -> (i64, i64, i64) {
        (
            self.count("users"),
            self.count("identities"),
            self.count("sessions"),
        )
    }
}

fn open() -> ProviderOptions {
    ProviderOptions::default()
}

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
fn verify_email_turns_an_unvouched_collision_into_a_pending_verification() {
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
    let err = w
        .sign_in(
            &provider("microsoft", verify),
            "ms-1",
            Some("a@example.com"),
            false,
        )
        .unwrap_err();
    let ApiError::EmailVerificationRequired(token) = err else {
        panic!("{err:?}")
    };
    let rows =
        w.db.query("SELECT id, link_to, email, code_hash FROM email_verifications");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], token.as_str());
    assert_eq!(rows[0]["link_to"], owner.user.id.as_str());
    assert_ne!(rows[0]["code_hash"], "123456", "the code is stored hashed");
    assert_eq!(w.rows(), (1, 1, 1));
}

#[test]
fn verify_email_for_a_new_unvouched_email_creates_no_user_until_proven() {
    let w = world();
    let verify = ProviderOptions {
        verify_email: true,
        ..open()
    };
    let err = w
        .sign_in(
            &provider("okta", verify),
            "o-1",
            Some("new@example.com"),
            false,
        )
        .unwrap_err();
    assert!(matches!(err, ApiError::EmailVerificationRequired(_)));
    assert_eq!(w.rows(), (0, 0, 0));
    let rows = w.db.query("SELECT link_to FROM email_verifications");
    assert!(rows[0]["link_to"].is_null());
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
fn a_single_use_key_presented_twice_is_refused_and_writes_nothing() {
    let w = world();
    let g = provider("google", open());
    let id = VerifiedIdentity {
        subject: "g-1".into(),
        email: None,
        email_trusted: false,
        name: None,
        picture: None,
        replay_keys: vec![("nonce:abc".into(), NOW + 600)],
    };
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
fn refresh_rotates_and_a_racing_tab_within_the_grace_gets_the_same_successor() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let a = block_on(refresh(&w.db, &w.project, &g.refresh_token, KEY, NOW + 5)).unwrap();
    let b = block_on(refresh(&w.db, &w.project, &g.refresh_token, KEY, NOW + 6)).unwrap();
    assert_eq!(a.refresh_token, b.refresh_token);
    assert_ne!(a.refresh_token, g.refresh_token);
    assert_eq!(a.session_id, g.session_id);
    assert_eq!(a.user.id, g.user.id);
    let c = block_on(refresh(&w.db, &w.project, &a.refresh_token, KEY, NOW + 7)).unwrap();
    assert_ne!(c.refresh_token, a.refresh_token);
    assert_eq!(w.count("refresh_tokens"), 3);
}

#[test]
fn reuse_after_the_grace_revokes_the_whole_family() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let a = block_on(refresh(&w.db, &w.project, &g.refresh_token, KEY, NOW + 5)).unwrap();
    let stolen = block_on(refresh(
        &w.db,
        &w.project,
        &g.refresh_token,
        KEY,
        NOW + 5 + 11,
    ));
    assert!(matches!(stolen, Err(ApiError::InvalidRefreshToken)));
    // The legitimate holder's successor dies with the family.
    let legit = block_on(refresh(&w.db, &w.project, &a.refresh_token, KEY, NOW + 17));
    assert!(matches!(legit, Err(ApiError::InvalidRefreshToken)));
    assert!(block_on(repo::session_user(
        &w.db,
        PID,
        &g.session_id,
        &g.user.id,
        NOW + 18
    ))
    .unwrap()
    .is_none());
}

#[test]
fn unknown_expired_and_revoked_refresh_tokens_are_refused() {
    let w = world();
    assert!(matches!(
        block_on(refresh(&w.db, &w.project, "nope", KEY, NOW)),
        Err(ApiError::InvalidRefreshToken)
    ));
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let late = NOW + w.project.settings.session_ttl_secs + 1;
    assert!(matches!(
        block_on(refresh(&w.db, &w.project, &g.refresh_token, KEY, late)),
        Err(ApiError::InvalidRefreshToken)
    ));
    let h = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    assert_eq!(
        block_on(repo::revoke_sessions(
            &w.db,
            PID,
            &h.user.id,
            Some(&h.session_id),
            NOW
        ))
        .unwrap(),
        1
    );
    assert!(matches!(
        block_on(refresh(&w.db, &w.project, &h.refresh_token, KEY, NOW)),
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
        block_on(repo::revoke_sessions(&w.db, PID, &a.user.id, None, NOW)).unwrap(),
        2
    );
    assert!(block_on(repo::session_user(
        &w.db,
        PID,
        &b.session_id,
        &b.user.id,
        NOW
    ))
    .unwrap()
    .is_none());
    assert!(block_on(repo::session_user(
        &w.db,
        PID,
        &other.session_id,
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
    assert!(block_on(repo::session_user(
        &w.db,
        "11111111-2222-4333-8444-555555555555",
        &g.session_id,
        &g.user.id,
        NOW
    ))
    .unwrap()
    .is_none());
}

#[test]
fn the_config_batch_counts_requests_per_minute_window() {
    let w = world();
    let c1 = block_on(repo::load_config(&w.db, PID, Some(("signin:1.2.3.4", NOW)))).unwrap();
    let c2 = block_on(repo::load_config(&w.db, PID, Some(("signin:1.2.3.4", NOW)))).unwrap();
    let next = block_on(repo::load_config(
        &w.db,
        PID,
        Some(("signin:1.2.3.4", NOW + 60)),
    ))
    .unwrap();
    assert_eq!(
        (c1.rate_count, c2.rate_count, next.rate_count),
        (Some(1), Some(2), Some(1))
    );
    assert!(matches!(
        block_on(repo::load_config(&w.db, "nope", Some(("k", NOW)))),
        Err(ApiError::ProjectNotFound)
    ));
    assert_eq!(block_on(w.db.batch(vec![])).unwrap().len(), 0);
}

#[test]
fn a_failure_midway_through_the_sign_in_batch_leaves_no_partial_user_identity_or_session() {
    let w = world();
    let g = provider("google", open());
    let first = w.sign_in(&g, "g-1", None, false).unwrap();
    let before = w.rows();
    // A new account whose session id collides with an existing session: the user and identity
    // inserts run, then the session insert fails inside the same transaction.
    let id = VerifiedIdentity {
        subject: "g-2".into(),
        email: Some("b@example.com".into()),
        email_trusted: true,
        name: None,
        picture: None,
        replay_keys: vec![("idt:midway".into(), NOW + 600)],
    };
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
fn rate_limit_counters_of_past_windows_are_pruned() {
    let w = world();
    for ip in ["1.1.1.1", "2.2.2.2", "3.3.3.3"] {
        block_on(repo::load_config(
            &w.db,
            PID,
            Some((&format!("signin:{ip}"), NOW)),
        ))
        .unwrap();
    }
    assert_eq!(w.count("rate_limits"), 3);
    block_on(repo::load_config(
        &w.db,
        PID,
        Some(("signin:9.9.9.9", NOW + 3660)),
    ))
    .unwrap();
    assert_eq!(
        w.count("rate_limits"),
        1,
        "only the current window's counter is left"
    );
}

#[test]
fn every_purge_uses_an_index() {
    // Purges run inside sign-in batches; a scan would make every sign-in cost grow with the
    // table (bench/workerd-handler.mjs caught the used-token purge walking a project's keys).
    let db = Sqlite::with_migrations().unwrap();
    for (sql, params) in [
        (repo::PURGE_RATE_LIMITS, 2),
        (repo::PURGE_USED_TOKENS, 2),
        (repo::PURGE_OAUTH_STATES, 1),
    ] {
        let args = (0..params).map(|i| kith_worker::db::Value::Int(i + 1));
        let explain = kith_worker::db::stmt(format!("EXPLAIN QUERY PLAN {sql}"), args);
        let rows = block_on(db.batch(vec![explain])).unwrap().remove(0);
        let plan: Vec<String> = rows
            .iter()
            .filter_map(|row| kith_worker::db::text(row, "detail"))
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

fn link(w: &World, g: &Granted, p: &str, subject: &str) -> repo::IdentityChange {
    // Each link presents a fresh token (the Worker refuses a replayed one).
    let keys = [(format!("idt:link-{}", w.fresh().session_id), NOW + 600)];
    block_on(repo::link_identity(
        &w.db,
        &repo::Link {
            project_id: PID,
            user_id: &g.user.id,
            sid: &g.session_id,
            provider: p,
            subject,
            email: Some("a@example.com"),
            email_verified: true,
            replay_keys: &keys,
            now: NOW,
        },
    ))
    .unwrap()
}

fn unlink(w: &World, g: &Granted, p: &str) -> repo::IdentityChange {
    block_on(repo::unlink_identity(
        &w.db,
        PID,
        &g.user.id,
        &g.session_id,
        p,
        NOW,
    ))
    .unwrap()
}

fn providers_of(change: &repo::IdentityChange) -> Vec<String> {
    let repo::IdentityChange::Done(user) = change else {
        panic!("expected the user back, got {change:?}");
    };
    let mut list: Vec<String> = user.identities.iter().map(|i| i.provider.clone()).collect();
    list.sort();
    list
}

#[test]
fn linking_a_second_provider_adds_it_to_the_signed_in_user_and_is_idempotent() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    let linked = link(&w, &g, "github", "gh-1");
    assert_eq!(providers_of(&linked), ["github", "google"]);
    // The same account again: still one github identity, same user.
    assert_eq!(
        providers_of(&link(&w, &g, "github", "gh-1")),
        ["github", "google"]
    );
    assert_eq!(w.rows(), (1, 2, 1));
    // Signing in with the linked account now reaches the same user.
    let again = w
        .sign_in(&provider("github", open()), "gh-1", None, false)
        .unwrap();
    assert_eq!(again.user.id, g.user.id);
}

#[test]
fn an_account_owned_by_another_user_is_not_linked() {
    let w = world();
    let a = w
        .sign_in(&provider("google", open()), "g-a", None, false)
        .unwrap();
    let b = w
        .sign_in(&provider("github", open()), "gh-b", None, false)
        .unwrap();
    assert!(matches!(
        link(&w, &a, "github", "gh-b"),
        repo::IdentityChange::OwnedByAnother
    ));
    let owner: Vec<String> =
        w.db.query("SELECT user_id FROM identities WHERE provider = 'github'")
            .iter()
            .filter_map(|r| kith_worker::db::text(r, "user_id"))
            .collect();
    assert_eq!(owner, [b.user.id]);
    assert_eq!(w.rows(), (2, 2, 2));
}

#[test]
fn a_revoked_session_links_and_unlinks_nothing() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    assert_eq!(
        providers_of(&link(&w, &g, "github", "gh-1")),
        ["github", "google"]
    );
    block_on(repo::revoke_sessions(&w.db, PID, &g.user.id, None, NOW)).unwrap();
    assert!(matches!(
        link(&w, &g, "facebook", "fb-1"),
        repo::IdentityChange::SessionGone
    ));
    assert!(matches!(
        unlink(&w, &g, "github"),
        repo::IdentityChange::SessionGone
    ));
    assert_eq!(w.count("identities"), 2);
}

#[test]
fn unlinking_keeps_the_last_way_to_sign_in_and_names_unknown_providers() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    assert!(matches!(
        unlink(&w, &g, "google"),
        repo::IdentityChange::LastIdentity
    ));
    assert!(matches!(
        unlink(&w, &g, "github"),
        repo::IdentityChange::NotLinked
    ));
    assert_eq!(
        providers_of(&link(&w, &g, "github", "gh-1")),
        ["github", "google"]
    );
    assert_eq!(providers_of(&unlink(&w, &g, "google")), ["github"]);
    // Now github is the last one.
    assert!(matches!(
        unlink(&w, &g, "github"),
        repo::IdentityChange::LastIdentity
    ));
    assert_eq!(w.count("identities"), 1);
}
