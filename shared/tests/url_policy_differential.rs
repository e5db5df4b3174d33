//! The one-pass URL parser against the policy as first written (`url_policy_reference`): for
//! every input, the same verdict, the same host, port and rest, and the same reason. Inputs are
//! drawn from the characters the policy branches on, so hosts, ports, brackets, labels and
//! escapes collide often.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod url_policy_reference;

use kith_claims::url_policy::{is_trustworthy, Scheme, TrustworthyUrl};
use proptest::prelude::*;

fn agrees(url: &str) {
    let expected = url_policy_reference::check(url);
    let got = TrustworthyUrl::parse(url)
        .map(|u| {
            let https = u.scheme() == Scheme::Https;
            (https, u.host(), u.port(), u.path_and_rest())
        })
        .map_err(|e| e.detail().to_owned());
    assert_eq!(got, expected.map_err(str::to_owned), "{url:?}");
    assert_eq!(is_trustworthy(url), expected.is_ok(), "{url:?}");
}

#[test]
fn agrees_on_hosts_at_the_edges_of_each_rule() {
    let hosts = [
        "",
        "a",
        "-a",
        "a-",
        "a-b",
        "a..b",
        ".a",
        "a.",
        "0",
        "00",
        "01",
        "0.0.0.0",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "255.255.255.255",
        "1.2.3.04",
        "0x7f.0.0.1",
        "0X7F",
        "0x",
        "0xg",
        "a.0x1",
        "a.1",
        "1.a",
        "127.1",
        "2130706433",
        "1.2.3.4a",
        "a1.2.3.4",
        "[::1]",
        "[",
        "]",
        "[]",
        "[:]",
        "[::1",
        "::1]",
        "[::1]x",
        "[1.2.3.4]",
        "[::g]",
        "a]b",
        "[a]:1",
        "a:b:c",
        "x_y",
        "1234.1.1.1",
        "1.2.3.999",
    ];
    let long = "a".repeat(63);
    let too_long = "a".repeat(64);
    let name_253 = format!("{long}.{long}.{long}.{}", "a".repeat(61));
    let name_254 = format!("{name_253}a");
    let built = [long, too_long, name_253, name_254];
    for host in hosts
        .iter()
        .copied()
        .chain(built.iter().map(String::as_str))
    {
        for port in [
            "", ":", ":0", ":1", ":65535", ":65536", ":99999", ":123456", ":a", "::1",
        ] {
            for rest in ["", "/", "/%41", "/%4", "?%zz", "#%", "/a@b"] {
                for scheme in ["https://", "http://"] {
                    agrees(&format!("{scheme}{host}{port}{rest}"));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn agrees_on_urls_made_of_the_bytes_the_policy_reads(
        scheme in "(https://|http://|https:|http:/|)",
        body in "[a0x9Xf.:\\[\\]@%/?#\\-\\\\ ]{0,24}",
    ) {
        agrees(&format!("{scheme}{body}"));
    }

    #[test]
    fn agrees_on_dotted_hosts_with_ports(
        scheme in "(https://|http://)",
        labels in proptest::collection::vec("(0|00|1|01|25[0-9]|[0-9]{1,4}|0[xX][0-9a-f]{0,2}|[a-z\\-]{1,3}|)", 1..6),
        port in "(|:[0-9]{0,6})",
        rest in "(|/|/%[0-9a-g]{0,2}|#x)",
    ) {
        agrees(&format!("{scheme}{}{port}{rest}", labels.join(".")));
    }

    #[test]
    fn agrees_on_any_printable_text(s in "\\PC{0,40}") {
        agrees(&s);
    }
}
