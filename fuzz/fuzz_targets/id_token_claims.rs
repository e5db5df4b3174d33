#![no_main]
// id_token claim validation on arbitrary claims: the fuzzer's bytes are the payload of a
// token whose signature a stub verifier accepts, so every input reaches the claim checks
// of OIDC Core 3.1.3.7 (the strict claims parser, iss/aud/azp/times/nonce/hd). Must
// return, never panic; whatever it accepts must satisfy the expectations it was given.
use kith_claims::b64;
use kith_claims::id_token::{self, Expectations, IssuerRule, NonceCheck, TenantPolicy, TypRule};
use kith_claims::jose::{Alg, Jwk, JwkSet, SignatureVerifier};
use std::sync::OnceLock;

struct AcceptAll;

impl SignatureVerifier for AcceptAll {
    async fn verify(&self, _: Alg, _: &Jwk, _: &[u8], _: &[u8]) -> kith_claims::Result<bool> {
        Ok(true)
    }
}

const NOW: i64 = 1_800_000_000;

fn keys() -> &'static (JwkSet, String) {
    static KEYS: OnceLock<(JwkSet, String)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let x = b64::encode([1u8; 32]);
        let doc = format!(r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"k","x":"{x}","y":"{x}"}}]}}"#);
        let set = JwkSet::parse(doc.as_bytes()).unwrap_or_default();
        let header = b64::encode(r#"{"alg":"ES256","kid":"k","typ":"JWT"}"#);
        (set, header)
    })
}

fn expectations(selector: u8) -> Expectations {
    let issuer = if selector & 1 == 0 {
        IssuerRule::Exact(vec!["https://op.example".into()])
    } else {
        IssuerRule::TenantTemplate {
            template: "https://login.microsoftonline.com/{tid}/v2.0".into(),
            tenants: match selector & 6 {
                0 => TenantPolicy::Any,
                2 => TenantPolicy::Organizations,
                _ => TenantPolicy::Only(vec!["72f988bf-86f1-41af-91ab-2d7cd011db47".into()]),
            },
        }
    };
    let nonce = match (selector >> 3) & 3 {
        0 => NonceCheck::Exact("n".into()),
        1 => NonceCheck::Sha256Hex("n".into()),
        2 => NonceCheck::Sha256HexOrExact("n".into()),
        _ => NonceCheck::ExpectNone,
    };
    Expectations {
        issuer,
        client_ids: vec!["app".into(), "app2".into()],
        algorithms: vec![Alg::Es256],
        nonce,
        leeway_secs: 60,
        max_age_secs: 600,
        typ: TypRule::JwtOrAbsent,
        hosted_domain: (selector & 0x20 != 0).then(|| "example.com".into()),
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let (set, header) = keys();
    let token = format!("{header}.{}.{}", b64::encode(payload), b64::encode([7u8; 64]));
    let expect = expectations(selector);
    let result = futures_executor::block_on(id_token::validate(&token, set, &expect, NOW, &AcceptAll));
    if let Ok(claims) = result {
        // What passed must be what was asked for.
        assert!(claims.aud.iter().all(|a| expect.client_ids.contains(a)));
        assert!(NOW < claims.exp.saturating_add(expect.leeway_secs));
        assert!(!claims.sub.is_empty());
    }
});
