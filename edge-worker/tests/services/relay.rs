//! The form_post relay's decision (`app::relay::destination`), written as the attacker: only
//! an exact, web, same-project redirect URL is ever a destination. Also the one extra
//! `redirect_uri` a code form may name (the Worker's own relay, Apple only) and two links of
//! one provider account racing for two users.

use super::native::{body, native, rule, OWN_RELAY};
use super::world::*;
use kith_claims::oauth::{classify_state, relay_state, CallbackState};
use kith_worker::app::prove::parse_claim;
use kith_worker::app::relay::{destination, Arrival};
use kith_worker::error::Code;

const PAGE: &str = "https://app.example/cb";
const RANDOM: &str = "q9Jx3vQ0bq3r5m3VJb6qv3F2b1z8s0wM5n2k7Yt4cHg";

fn config() -> Config {
    let mut project = world().project;
    project.redirect_urls = vec![
        PAGE.into(),
        "https://app.example/with?x=1".into(),
        "com.example.app:/cb".into(),
    ];
    Config {
        project,
        providers: vec![provider("apple", open()), provider("github", open())],
        rate_count: None,
        version: 0,
    }
}

fn apple_post(k: &str) -> Option<String> {
    match k {
        "code" => Some("c0de".into()),
        "state" => Some(relay_state(RANDOM, PAGE)),
        "user" => Some(r#"{"name":{"firstName":"Ada"}}"#.into()),
        _ => None,
    }
}

fn relay_to(page: &str) -> Result<String, Code> {
    destination(&config(), "apple", Arrival::FormPost, page, &apple_post).map_err(|e| e.code())
}

#[test]
fn relays_apples_form_post_to_the_allowlisted_page_as_a_get() {
    let to = relay_to(PAGE).unwrap();
    let state = kith_claims::oauth::form_encode(&relay_state(RANDOM, PAGE));
    assert_eq!(
        to,
        format!("{PAGE}?code=c0de&state={state}&user=%7B%22name%22%3A%7B%22firstName%22%3A%22Ada%22%7D%7D")
    );
    // A page with its own query keeps it.
    let with = relay_to("https://app.example/with?x=1").unwrap();
    assert!(with.starts_with("https://app.example/with?x=1&code=c0de&state="));
}

#[test]
fn refuses_a_prefix_or_an_extension_of_an_allowlisted_page() {
    for page in [
        "https://app.example/c",
        "https://app.example/cb/evil",
        "https://app.example/cb?next=https://evil.example",
        "https://app.example/cb#x",
        "https://app.example/cb/",
        "https://app.example.evil.example/cb",
    ] {
        assert_eq!(relay_to(page), Err(Code::RedirectNotAllowed), "{page}");
    }
}

#[test]
fn refuses_userinfo_at_host() {
    for page in [
        "https://app.example@evil.example/cb",
        "https://evil.example@app.example/cb",
    ] {
        assert_eq!(relay_to(page), Err(Code::RedirectNotAllowed), "{page}");
    }
}

#[test]
fn refuses_scheme_tricks_even_for_an_allowlisted_custom_scheme() {
    for page in [
        "javascript:alert(1)//https://app.example/cb",
        "HTTPS://app.example/cb",
        "http://app.example/cb",
        "//app.example/cb",
        // Allowlisted for native apps, but the relay serves the browser SDK's pages only.
        "com.example.app:/cb",
    ] {
        assert_eq!(relay_to(page), Err(Code::RedirectNotAllowed), "{page}");
    }
}

#[test]
fn refuses_double_encoded_spellings() {
    for page in [
        "https%3A%2F%2Fapp.example%2Fcb",
        "https%253A%252F%252Fapp.example%252Fcb",
        "https://app.example/%63b",
        "https://app.example/cb%2F..%2Fevil",
    ] {
        assert_eq!(relay_to(page), Err(Code::RedirectNotAllowed), "{page}");
    }
}

#[test]
fn refuses_a_page_of_another_project() {
    // Allowlisted by some other project, not by this one.
    assert_eq!(
        relay_to("https://other-app.example/cb"),
        Err(Code::RedirectNotAllowed)
    );
}

#[test]
fn refuses_a_get_a_provider_without_form_post_and_an_empty_post() {
    let c = config();
    let get = destination(&c, "apple", Arrival::Query, PAGE, &apple_post);
    assert_eq!(get.unwrap_err().code(), Code::InvalidRequest);
    let github = destination(&c, "github", Arrival::FormPost, PAGE, &apple_post);
    assert_eq!(github.unwrap_err().code(), Code::InvalidRequest);
    let off = destination(&c, "google", Arrival::FormPost, PAGE, &apple_post);
    assert_eq!(off.unwrap_err().code(), Code::ProviderNotEnabled);
    let empty = destination(&c, "apple", Arrival::FormPost, PAGE, &|_| None);
    assert_eq!(empty.unwrap_err().code(), Code::InvalidRequest);
    // Apple's refusal (user_cancelled_authorize) is relayed: the SDK reports it.
    let cancelled = |k: &str| (k == "error").then(|| "user_cancelled_authorize".to_owned());
    let to = destination(&c, "apple", Arrival::FormPost, PAGE, &cancelled).unwrap();
    assert_eq!(to, format!("{PAGE}?error=user_cancelled_authorize"));
}

#[test]
fn a_worker_flow_state_and_a_relay_state_are_never_confused() {
    assert_eq!(classify_state(RANDOM), CallbackState::Worker(RANDOM));
    assert_eq!(
        classify_state(&relay_state(RANDOM, PAGE)),
        CallbackState::Relay {
            app_page: PAGE.into()
        }
    );
    assert_eq!(
        classify_state(&format!("kr1.{RANDOM}.not base64")),
        CallbackState::MalformedRelay
    );
}

fn apple_code_body(redirect_uri: &str, provider: &str) -> kith_worker::app::prove::LoginBody {
    kith_worker::app::prove::LoginBody {
        code: Some("the-code".into()),
        code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
        redirect_uri: Some(redirect_uri.into()),
        ..body(provider)
    }
}

#[test]
fn the_code_form_accepts_the_workers_own_relay_for_apple_only() {
    let n = native();
    let apple = provider("apple", open());
    let ok = parse_claim(
        apple_code_body(OWN_RELAY, "apple"),
        &rule(&n.project),
        &apple,
    );
    assert!(ok.is_ok());
    let github = parse_claim(
        apple_code_body(OWN_RELAY, "github"),
        &rule(&n.project),
        &n.github,
    );
    assert_eq!(github.err().map(|e| e.code()), Some(Code::InvalidRequest));
    let another = OWN_RELAY.replace("/p/", "/another-project/");
    let foreign = parse_claim(
        apple_code_body(&another, "apple"),
        &rule(&n.project),
        &apple,
    );
    assert_eq!(foreign.err().map(|e| e.code()), Some(Code::InvalidRequest));
}

/// The SQLite twin runs each batch whole, so the two links here run one after the other:
/// this checks that the second link of an account already linked is refused. The real race
/// (two concurrent requests on D1) is in `tests/integration/relay.test.mjs`.
#[test]
fn a_second_link_of_an_account_linked_to_another_user_is_refused_and_one_identity_is_kept() {
    let w = world();
    let google = provider("google", open());
    let a = w.sign_in(&google, "g-a", None, false).unwrap();
    let b = w.sign_in(&google, "g-b", None, false).unwrap();
    let (ka, kb) = ("idt:race-a", "idt:race-b");
    let (ia, ib) = (
        assume("gh-1", None, false, None, &[ka]),
        assume("gh-1", None, false, None, &[kb]),
    );
    fn link<'a>(g: &'a Granted, identity: &'a ProvenIdentity, claim: &'a str) -> Link<'a> {
        Link {
            project_id: PID,
            user_id: &g.user.id,
            sid: g.session_id.as_str(),
            provider: "github",
            identity,
            claim,
            now: NOW,
        }
    }
    let (la, lb) = (link(&a, &ia, ka), link(&b, &ib, kb));
    let (ra, rb) = block_on(futures_util::future::join(
        sql::identities::link_identity(&w.db, &la),
        sql::identities::link_identity(&w.db, &lb),
    ));
    let outcomes = [ra.unwrap(), rb.unwrap()];
    let done = outcomes
        .iter()
        .filter(|c| matches!(c, Change::Done(_)))
        .count();
    let refused = outcomes
        .iter()
        .filter(|c| matches!(c, Change::OwnedByAnother))
        .count();
    assert_eq!((done, refused), (1, 1), "{outcomes:?}");
    let rows =
        w.db.query("SELECT user_id FROM identities WHERE provider = 'github'");
    assert_eq!(rows.len(), 1, "one identity in the database");
}
