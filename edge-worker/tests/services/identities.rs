//! Linking and unlinking identities of a signed-in user.

use super::world::*;

fn link(w: &World, g: &Granted, p: &str, subject: &str) -> Change {
    // Each link presents a fresh token (the Worker refuses a replayed one).
    let key = format!("idt:link-{}", w.fresh().session_id);
    let identity = assume(subject, Some("a@example.com"), true, None, &[&key]);
    block_on(sql::identities::link_identity(
        &w.db,
        &Link {
            project_id: PID,
            user_id: &g.user.id,
            sid: g.session_id.as_str(),
            provider: p,
            identity: &identity,
            claim: &key,
            now: NOW,
        },
    ))
    .unwrap()
}

fn unlink(w: &World, g: &Granted, p: &str) -> Change {
    block_on(sql::identities::unlink_identity(
        &w.db,
        PID,
        &g.user.id,
        g.session_id.as_str(),
        p,
        NOW,
    ))
    .unwrap()
}

fn providers_of(change: &Change) -> Vec<String> {
    let Change::Done(user) = change else {
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
        Change::OwnedByAnother
    ));
    let owner: Vec<String> =
        w.db.query("SELECT user_id FROM identities WHERE provider = 'github'")
            .iter()
            .filter_map(|r| kith_worker::app::store::text(r, "user_id"))
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
    block_on(sql::sessions::revoke_sessions(
        &w.db, PID, &g.user.id, None, NOW,
    ))
    .unwrap();
    assert!(matches!(
        link(&w, &g, "facebook", "fb-1"),
        Change::SessionGone
    ));
    assert!(matches!(unlink(&w, &g, "github"), Change::SessionGone));
    assert_eq!(w.count("identities"), 2);
}

#[test]
fn unlinking_keeps_the_last_way_to_sign_in_and_names_unknown_providers() {
    let w = world();
    let g = w
        .sign_in(&provider("google", open()), "g-1", None, false)
        .unwrap();
    assert!(matches!(unlink(&w, &g, "google"), Change::LastIdentity));
    assert!(matches!(unlink(&w, &g, "github"), Change::NotLinked));
    assert_eq!(
        providers_of(&link(&w, &g, "github", "gh-1")),
        ["github", "google"]
    );
    assert_eq!(providers_of(&unlink(&w, &g, "google")), ["github"]);
    // Now github is the last one.
    assert!(matches!(unlink(&w, &g, "github"), Change::LastIdentity));
    assert_eq!(w.count("identities"), 1);
}
