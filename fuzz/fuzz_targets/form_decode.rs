#![no_main]
// The callback's form parser (`application/x-www-form-urlencoded`: form_post bodies, token
// answers) and percent-decoding on arbitrary input: must return, never panic; and what
// `form_encode` writes, `form_decode` reads back unchanged.
use kith_claims::oauth::{form_decode, form_encode, percent_decode};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let pairs = form_decode(&text);
    let _ = percent_decode(&text);
    for (k, v) in &pairs {
        let _ = percent_decode(k);
        let _ = percent_decode(v);
    }
    let round = form_decode(&format!("k={}", form_encode(&text)));
    assert_eq!(round, vec![("k".to_owned(), text.clone().into_owned())]);
});
