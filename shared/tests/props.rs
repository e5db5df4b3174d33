//! Property tests: the parsers and the validator never panic on arbitrary input, and any
//! change to a valid token makes it fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use kith_claims::b64;
use kith_claims::id_token::{self, Expectations, IssuerRule, NonceCheck, TypRule};
use kith_claims::jose::{Alg, JwkSet, RustCryptoVerifier, UnverifiedJws};
use kith_claims::providers::Discovery;
use proptest::prelude::*;

fn expect() -> Expectations {
    Expectations {
        issuer: IssuerRule::Exact(vec![ISS.into()]),
        client_ids: vec![CLIENT.into()],
        algorithms: vec![Alg::Rs256, Alg::Es256, Alg::EdDsa],
        nonce: NonceCheck::Exact("n-123".into()),
        leeway_secs: 60,
        max_age_secs: 600,
        typ: TypRule::JwtOrAbsent,
        hosted_domain: None,
    }
}

fn validate(token: &str) -> bool {
    futures_executor::block_on(id_token::validate(
        token,
        &jwks(),
        &expect(),
        NOW,
        &RustCryptoVerifier,
    ))
    .is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn jws_parsing_never_panics_on_arbitrary_text(s in ".{0,400}") {
        let _ = UnverifiedJws::parse(&s);
    }

    #[test]
    fn jws_parsing_never_panics_on_arbitrary_segments(h in proptest::collection::vec(any::<u8>(), 0..200),
                                                     p in proptest::collection::vec(any::<u8>(), 0..200),
                                                     sig in proptest::collection::vec(any::<u8>(), 0..100)) {
        let t = format!("{}.{}.{}", b64::encode(h), b64::encode(p), b64::encode(sig));
        let _ = UnverifiedJws::parse(&t);
        prop_assert!(!validate(&t));
    }

    #[test]
    fn validation_never_panics_on_json_shaped_garbage(header in "\\{(\"[a-z]{1,4}\":(\"[A-Za-z0-9]{0,6}\"|[0-9]{1,3}|null|\\[\\]),?){0,4}\\}",
                                                      payload in "\\{(\"[a-z]{1,5}\":(\"[a-z0-9]{0,8}\"|-?[0-9]{1,12}|true|\\[\"x\"\\]),?){0,8}\\}") {
        let t = format!("{}.{}.{}", b64::encode(header), b64::encode(payload), b64::encode([7u8; 64]));
        prop_assert!(!validate(&t));
    }

    #[test]
    fn jwks_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = JwkSet::parse(&bytes);
    }

    #[test]
    fn jwks_parsing_never_panics_on_key_shaped_json(kty in "(RSA|EC|OKP|oct|x)", crv in "(P-256|Ed25519|P-384|)",
                                                    n in proptest::collection::vec(any::<u8>(), 0..300),
                                                    x in proptest::collection::vec(any::<u8>(), 0..40)) {
        let doc = serde_json::json!({"keys":[{"kty": kty, "crv": crv, "n": b64::encode(&n), "e": "AQAB", "x": b64::encode(&x), "y": b64::encode(&x)}]});
        let _ = JwkSet::parse(doc.to_string().as_bytes());
    }

    #[test]
    fn hex_is_lower_case_base16_as_base16ct_writes_it(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        prop_assert_eq!(kith_claims::hex::encode(&bytes), base16ct::lower::encode_string(&bytes));
    }

    #[test]
    fn discovery_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Discovery::parse(&bytes, "https://op.example");
    }

    #[test]
    fn changing_any_byte_of_a_valid_token_makes_it_fail(index in any::<prop::sample::Index>(), replacement in any::<u8>()) {
        let token = if index.index(2) == 0 { es256(&claims()) } else { rs256(&claims()) };
        let mut bytes = token.clone().into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != replacement);
        bytes[i] = replacement;
        let changed = String::from_utf8_lossy(&bytes).into_owned();
        prop_assume!(changed != token);
        prop_assert!(!validate(&changed), "byte {} changed and the token still validated", i);
    }
}
