use super::*;

const PID: &str = "p";

fn facts() -> (Vec<String>, &'static str) {
    (
        vec!["openid".to_owned(), "email".to_owned()],
        "https://op.example/auth",
    )
}

fn start(store: &MemoryStore, seed: u8, now: u64) -> String {
    let (scopes, endpoint) = facts();
    let p = ProviderFacts {
        answer: Answer::Query,
        link: false,
        provider: "oidc:dev",
        client_id: "c",
        authorization_endpoint: endpoint,
        scopes: &scopes,
    };
    let mut random = [0u8; 96];
    random
        .iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = seed.wrapping_add(i as u8));
    let url = begin(store, PID, &p, "https://app/cb", &random, now).unwrap();
    url.split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn authorization_url_carries_s256_challenge_and_the_stored_nonce() {
    let store = MemoryStore::default();
    let state = start(&store, 1, 0);
    let record = take(&store, PID, &state, 1).unwrap();
    assert_eq!(record.provider, "oidc:dev");
    assert_eq!(record.code_verifier.map(|v| v.len()), Some(43));
}

#[test]
fn a_flow_is_single_use() {
    let store = MemoryStore::default();
    let state = start(&store, 2, 0);
    assert!(take(&store, PID, &state, 1).is_ok());
    assert_eq!(
        take(&store, PID, &state, 2).unwrap_err().code,
        codes::STATE_MISMATCH
    );
}

#[test]
fn an_unknown_state_is_a_state_mismatch() {
    let store = MemoryStore::default();
    start(&store, 3, 0);
    assert_eq!(
        take(&store, PID, "forged", 1).unwrap_err().code,
        codes::STATE_MISMATCH
    );
    assert_eq!(
        take(&store, PID, "", 1).unwrap_err().code,
        codes::STATE_MISMATCH
    );
}

#[test]
fn a_flow_expires_after_ten_minutes() {
    let store = MemoryStore::default();
    let state = start(&store, 4, 1_000);
    assert_eq!(
        take(&store, PID, &state, 1_000 + FLOW_TTL_MS + 1)
            .unwrap_err()
            .code,
        codes::STATE_MISMATCH
    );
    // ...and is gone afterwards.
    assert_eq!(store.0.borrow().len(), 0);
}

#[test]
fn a_tampered_or_foreign_record_is_a_state_mismatch() {
    let store = MemoryStore::default();
    store
        .set(&flow_key(PID, "s"), "{\"provider\":\"x\"}")
        .unwrap();
    assert_eq!(
        take(&store, PID, "s", 1).unwrap_err().code,
        codes::STATE_MISMATCH
    );
    store
        .set(&flow_key(PID, "t"), "kith1\na\nb\nc\nd\nnot-a-number")
        .unwrap();
    assert_eq!(
        take(&store, PID, "t", 1).unwrap_err().code,
        codes::STATE_MISMATCH
    );
}

#[test]
fn a_record_survives_its_encoding() {
    let r = FlowRecord {
        provider: "oidc:dev".into(),
        redirect_uri: "https://a/b?c=d".into(),
        code_verifier: Some("v".into()),
        nonce: "n".into(),
        created_at_ms: 42,
        link: false,
    };
    assert_eq!(FlowRecord::decode(&r.encode()), Some(r.clone()));
    let link = FlowRecord { link: true, ..r };
    assert_eq!(FlowRecord::decode(&link.encode()), Some(link));
}

#[test]
fn a_plain_http_or_script_authorization_endpoint_is_refused_and_nothing_is_stored() {
    let store = MemoryStore::default();
    for endpoint in [
        "http://op.example/auth",
        "javascript:alert(document.cookie)",
        "data:text/html,x",
    ] {
        let p = ProviderFacts {
            answer: Answer::Query,
            link: false,
            provider: "oidc:dev",
            client_id: "c",
            authorization_endpoint: endpoint,
            scopes: &[],
        };
        let err = begin(&store, PID, &p, "https://app/cb", &[7; 96], 0).unwrap_err();
        assert_eq!(err.code, codes::INVALID_REQUEST, "{endpoint}");
    }
    assert_eq!(store.0.borrow().len(), 0);
    let loopback = ProviderFacts {
        answer: Answer::Query,
        link: false,
        provider: "oidc:dev",
        client_id: "c",
        authorization_endpoint: "http://127.0.0.1:9400/auth",
        scopes: &[],
    };
    assert!(begin(&store, PID, &loopback, "http://127.0.0.1/", &[7; 96], 0).is_ok());
}

#[test]
fn a_nonce_pair_is_the_raw_nonce_and_its_hex_sha256() {
    let (raw, hashed) = nonce_pair(&[0; 32]);
    assert_eq!(raw, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    // printf 'AAA…A' (43 characters) | sha256sum
    assert_eq!(
        hashed,
        "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a"
    );
}

#[test]
fn flows_of_another_project_are_not_found() {
    let store = MemoryStore::default();
    let state = start(&store, 5, 0);
    assert_eq!(
        take(&store, "other", &state, 1).unwrap_err().code,
        codes::STATE_MISMATCH
    );
}

const RELAY: &str = "https://kith.example/oauth/projects/p/providers/apple/callback";

/// The query parameter `key` of `url`, decoded.
fn param(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    kith_claims::oauth::form_decode(query)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

fn begin_apple(store: &MemoryStore, link: bool, app_page: &str) -> SdkResult<String> {
    let scopes = vec!["name".to_owned(), "email".to_owned()];
    let p = ProviderFacts {
        answer: Answer::FormPostRelay { relay_url: RELAY },
        link,
        provider: "apple",
        client_id: "com.example.web",
        authorization_endpoint: "https://appleid.apple.com/auth/authorize",
        scopes: &scopes,
    };
    let mut random = [0u8; 96];
    random
        .iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = 9u8.wrapping_add(i as u8));
    begin(store, PID, &p, app_page, &random, 0)
}

#[test]
fn apple_is_asked_for_a_form_post_to_the_workers_relay_with_the_app_page_in_the_state() {
    let store = MemoryStore::default();
    let url = begin_apple(&store, false, "https://app.example/cb").unwrap();
    assert!(url.starts_with("https://appleid.apple.com/auth/authorize?response_type=code&"));
    assert_eq!(param(&url, "response_mode").as_deref(), Some("form_post"));
    assert_eq!(param(&url, "redirect_uri").as_deref(), Some(RELAY));
    assert_eq!(param(&url, "scope").as_deref(), Some("name email"));
    assert_eq!(
        param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let state = param(&url, "state").unwrap();
    assert_eq!(
        kith_claims::oauth::classify_state(&state),
        kith_claims::oauth::CallbackState::Relay {
            app_page: "https://app.example/cb".into()
        }
    );
    // The verifier stays here; the code exchange names the relay as its redirect_uri.
    assert!(!url.contains(&take_verifier(&store, &state)));
}

/// Takes the flow of `state` and returns its verifier (asserting the relay's redirect_uri).
fn take_verifier(store: &MemoryStore, state: &str) -> String {
    let record = take(store, PID, state, 1).unwrap();
    assert_eq!(record.redirect_uri, RELAY);
    assert_eq!(record.provider, "apple");
    record.code_verifier.unwrap()
}

#[test]
fn a_query_provider_gets_no_response_mode_and_its_own_redirect_uri() {
    let store = MemoryStore::default();
    let (scopes, endpoint) = facts();
    let p = ProviderFacts {
        answer: Answer::Query,
        link: true,
        provider: "github",
        client_id: "c",
        authorization_endpoint: endpoint,
        scopes: &scopes,
    };
    let url = begin(&store, PID, &p, "https://app.example/settings", &[3; 96], 0).unwrap();
    assert_eq!(param(&url, "response_mode"), None);
    assert_eq!(
        param(&url, "redirect_uri").as_deref(),
        Some("https://app.example/settings")
    );
    let state = param(&url, "state").unwrap();
    assert!(!state.starts_with(crate::claims::RELAY_PREFIX));
    // The link plan: the record says "link", so the callback links instead of signing in.
    let record = take(&store, PID, &state, 1).unwrap();
    assert!(record.link);
    assert_eq!(record.redirect_uri, "https://app.example/settings");
}

#[test]
fn linking_apple_goes_through_the_relay_too_and_an_oversized_app_page_is_refused() {
    let store = MemoryStore::default();
    let url = begin_apple(&store, true, "https://app.example/settings").unwrap();
    let record = take(&store, PID, &param(&url, "state").unwrap(), 1).unwrap();
    assert!(record.link);
    assert_eq!(record.redirect_uri, RELAY);
    let long = format!("https://app.example/{}", "a".repeat(1100));
    let err = begin_apple(&store, false, &long).unwrap_err();
    assert_eq!(err.code, codes::INVALID_REQUEST);
    assert_eq!(store.0.borrow().len(), 0);
}

#[test]
fn decimal_writes_every_digit_of_any_u64() {
    for (n, text) in [
        (0, "0"),
        (7, "7"),
        (10, "10"),
        (1_700_000_000_123, "1700000000123"),
        (u64::MAX, "18446744073709551615"),
    ] {
        assert_eq!(decimal(n), text);
    }
}
