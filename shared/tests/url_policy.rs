//! The URL policy against the open-redirect and parser-differential tricks of TESTING.md
//! ("What a flow must refuse") and RFC 9700 section 4.11, written as the attacker.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use kith_claims::url_policy::{Scheme, TrustworthyUrl};
use kith_claims::ErrorCode;
use proptest::prelude::*;

fn refused(url: &str) -> bool {
    match TrustworthyUrl::parse(url) {
        Ok(_) => false,
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::InvalidUrl, "{url:?}");
            true
        }
    }
}

#[test]
fn accepts_https_and_loopback_http() {
    for url in [
        "https://app.example",
        "https://app.example/",
        "https://app.example:8443/cb?x=1&y=%2F#frag",
        "https://sub.app-1.example/a/b",
        "https://192.0.2.1/cb",
        "https://[2001:db8::1]:443/",
        "http://127.0.0.1:5173/cb",
        "http://localhost/cb",
        "http://localhost:8787",
        "http://[::1]:9000/",
    ] {
        assert!(TrustworthyUrl::parse(url).is_ok(), "{url}");
    }
}

#[test]
fn refuses_other_schemes_and_scheme_tricks() {
    for url in [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://app.example/",
        "HTTPS://app.example/",
        "Https://app.example/",
        "https:app.example",
        "https:/app.example",
        "https:\\\\app.example",
        "//evil.example/cb",
        "/relative/cb",
        "app.example/cb",
        "https//app.example",
        "ws://127.0.0.1/",
        "custom.app:/cb",
    ] {
        assert!(refused(url), "{url}");
    }
}

#[test]
fn refuses_http_off_loopback_and_loopback_look_alikes() {
    for url in [
        "http://app.example/",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "http://localhost./",
        "http://evil.example/127.0.0.1",
        "http://evil.example?localhost",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://0177.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[0:0:0:0:0:0:0:1]/",
    ] {
        assert!(refused(url), "{url}");
    }
}

#[test]
fn refuses_userinfo_that_hides_the_real_host() {
    for url in [
        "https://app.example@evil.example/",
        "https://app.example:pw@evil.example/",
        "https://@evil.example/",
        "https://evil.example%40app.example/",
        "http://localhost@evil.example/",
        "http://127.0.0.1:80@evil.example/",
    ] {
        assert!(refused(url), "{url}");
    }
}

#[test]
fn refuses_backslashes_control_characters_whitespace_and_non_ascii() {
    for url in [
        "https://evil.example\\@app.example/",
        "https://app.example\\evil.example",
        "https://app.example/cb\\..\\x",
        " https://app.example/",
        "https://app.example/ ",
        "https://app .example/",
        "https://app.example/a b",
        "https://app.example/\tx",
        "https://app.example/\r\nSet-Cookie:x=1",
        "https://app.example\0.evil.example/",
        "https://app.example/\u{7f}",
        "https://аpp.example/",
        "https://app.example/\u{2028}",
        "https://app.example/é",
    ] {
        assert!(refused(url), "{url:?}");
    }
}

#[test]
fn refuses_malformed_hosts_and_ports() {
    let long_label = format!("https://{}.example/", "a".repeat(64));
    let long_host = format!("https://{}example/", "a.".repeat(127));
    for url in [
        "https://",
        "https:///cb",
        "https://:443/",
        "https://?x",
        "https://#x",
        "https://app..example/",
        "https://.app.example/",
        "https://app.example./",
        "https://-app.example/",
        "https://app-.example/",
        "https://app_1.example/",
        "https://app%2Eexample/",
        "https://evil.example%2F@app.example/",
        "https://app.example:/",
        "https://app.example:0/",
        "https://app.example:65536/",
        "https://app.example:99999/",
        "https://app.example:+443/",
        "https://app.example:44a/",
        "https://app.example:443:443/",
        "https://[::1/",
        "https://[::1]x/",
        "https://[::1%25eth0]/",
        "https://[evil.example]/",
        "https://1.2.3.256/",
        "https://1.2.3/",
        "https://01.2.3.4/",
        long_label.as_str(),
        long_host.as_str(),
    ] {
        assert!(refused(url), "{url}");
    }
}

#[test]
fn refuses_malformed_percent_escapes_but_keeps_double_encoding_literal() {
    assert!(refused("https://app.example/%"));
    assert!(refused("https://app.example/%2"));
    assert!(refused("https://app.example/%zz"));
    // `%252F` is a literal "%2F" in the path: allowed, and never decoded into a host.
    let u = TrustworthyUrl::parse("https://app.example/cb%252F..%252Fevil").unwrap();
    assert_eq!(u.host(), "app.example");
    assert_eq!(u.path_and_rest(), "/cb%252F..%252Fevil");
}

#[test]
fn origins_are_exactly_their_serialization() {
    let origin = |u: &str| TrustworthyUrl::parse(u).unwrap().is_origin();
    assert!(origin("https://app.example"));
    assert!(origin("http://127.0.0.1:5173"));
    assert!(origin("https://app.example:8443"));
    assert!(!origin("http://127.0.0.1:5173/"));
    assert!(!origin("https://app.example/path"));
    assert!(!origin("https://app.example?x"));
    assert!(!origin("https://App.example"));
    assert!(!origin("https://app.example:443"));
    assert!(!origin("http://localhost:80"));
}

#[test]
fn exposes_what_it_checked() {
    let u = TrustworthyUrl::parse("http://localhost:8787/cb#x").unwrap();
    assert_eq!(u.scheme(), Scheme::Http);
    assert_eq!(u.as_str(), "http://localhost:8787/cb#x");
    assert!(u.is_loopback() && u.has_fragment());
    assert!(refused(&format!(
        "https://app.example/{}",
        "a".repeat(2048)
    )));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_and_accepted_urls_have_no_forbidden_bytes(s in "\\PC{0,80}") {
        if let Ok(u) = TrustworthyUrl::parse(&s) {
            prop_assert!(u.as_str().bytes().all(|b| b.is_ascii_graphic() && b != b'\\'));
            prop_assert!(!u.host().is_empty() && !u.host().contains('@'));
        }
    }

    #[test]
    fn any_https_host_of_dns_labels_is_accepted(
        labels in proptest::collection::vec("[a-z][a-z0-9]{0,10}", 1..4),
        path in "(/[a-zA-Z0-9._~-]{0,8}){0,3}",
    ) {
        let host = format!("{}.example", labels.join("."));
        let url = format!("https://{host}{path}");
        let u = TrustworthyUrl::parse(&url).unwrap();
        prop_assert_eq!(u.host(), host.as_str());
        prop_assert_eq!(u.path_and_rest(), path.as_str());
    }
}
