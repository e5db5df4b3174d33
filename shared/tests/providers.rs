//! Each provider's quirks, as its documentation states them, through the generic engine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use kith_claims::id_token::{
    self, BoolClaim, IdTokenClaims, IssuerRule, TenantPolicy, MICROSOFT_CONSUMER_TENANT,
};
use kith_claims::jose::{Alg, RustCryptoVerifier};
use kith_claims::providers::github::identity as github_identity;
use kith_claims::providers::{Discovery, ProviderProfile};
use kith_claims::{ErrorCode, Verified};
use serde_json::{json, Value};

fn run(
    profile: &ProviderProfile,
    claims: &Value,
    nonce: Option<&str>,
) -> Result<Verified<IdTokenClaims>, ErrorCode> {
    let mut e = profile.expectations(vec![CLIENT.into()], nonce);
    // The test keys include ES256; the profiles' own algorithms are tested separately.
    e.algorithms.push(Alg::Es256);
    futures_executor::block_on(id_token::validate(
        &es256(claims),
        &jwks(),
        &e,
        NOW,
        &RustCryptoVerifier,
    ))
    .map_err(|e| e.code())
}

fn base(iss: &str) -> Value {
    with(claims(), "iss", json!(iss))
}

// ---- Google -------------------------------------------------------------------------

#[test]
fn google_accepts_both_issuer_spellings_and_nothing_else() {
    let g = ProviderProfile::google();
    assert!(run(&g, &base("https://accounts.google.com"), Some("n-123")).is_ok());
    assert!(run(&g, &base("accounts.google.com"), Some("n-123")).is_ok());
    assert_eq!(
        run(
            &g,
            &base("https://accounts.google.com.evil.example"),
            Some("n-123")
        )
        .unwrap_err(),
        ErrorCode::IssuerMismatch
    );
}

#[test]
fn google_profile_allows_only_rs256() {
    let g = ProviderProfile::google();
    let e = g.expectations(vec![CLIENT.into()], Some("n-123"));
    let err = futures_executor::block_on(id_token::validate(
        &es256(&base("https://accounts.google.com")),
        &jwks(),
        &e,
        NOW,
        &RustCryptoVerifier,
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlgNotAllowed);
    let ok = futures_executor::block_on(id_token::validate(
        &rs256(&base("https://accounts.google.com")),
        &jwks(),
        &e,
        NOW,
        &RustCryptoVerifier,
    ));
    assert!(ok.is_ok());
}

#[test]
fn google_hosted_domain_is_checked_on_the_verified_token() {
    let g = ProviderProfile::google();
    let mut e = g.expectations(vec![CLIENT.into()], Some("n-123"));
    e.algorithms.push(Alg::Es256);
    e.hosted_domain = Some("corp.example".into());
    let check = |c: &Value| {
        futures_executor::block_on(id_token::validate(
            &es256(c),
            &jwks(),
            &e,
            NOW,
            &RustCryptoVerifier,
        ))
        .map_err(|e| e.code())
    };
    let c = base("https://accounts.google.com");
    assert!(check(&with(c.clone(), "hd", json!("corp.example"))).is_ok());
    assert_eq!(
        check(&with(c.clone(), "hd", json!("other.example"))).unwrap_err(),
        ErrorCode::HostedDomainMismatch
    );
    assert_eq!(check(&c).unwrap_err(), ErrorCode::HostedDomainMismatch);
}

#[test]
fn google_trusts_email_only_when_email_verified_is_true() {
    let g = ProviderProfile::google();
    let v = run(&g, &base("https://accounts.google.com"), Some("n-123")).unwrap();
    assert!(g.email_trusted(&v));
    let v = run(
        &g,
        &with(
            base("https://accounts.google.com"),
            "email_verified",
            json!(false),
        ),
        Some("n-123"),
    )
    .unwrap();
    assert!(!g.email_trusted(&v));
    let v = run(
        &g,
        &without(base("https://accounts.google.com"), "email_verified"),
        Some("n-123"),
    )
    .unwrap();
    assert!(!g.email_trusted(&v));
}

#[test]
fn google_one_tap_audiences_come_from_allowed_client_ids() {
    let g = ProviderProfile::google();
    let mut e = g.expectations(vec![CLIENT.into(), "android-app".into()], Some("n-123"));
    e.algorithms.push(Alg::Es256);
    let c = with(
        base("https://accounts.google.com"),
        "aud",
        json!("android-app"),
    );
    assert!(futures_executor::block_on(id_token::validate(
        &es256(&c),
        &jwks(),
        &e,
        NOW,
        &RustCryptoVerifier
    ))
    .is_ok());
}

// ---- Apple --------------------------------------------------------------------------

#[test]
fn apple_string_booleans_decide_email_trust() {
    let a = ProviderProfile::apple();
    let c = base("https://appleid.apple.com");
    let v = run(
        &a,
        &with(
            with(c.clone(), "email_verified", json!("true")),
            "is_private_email",
            json!("true"),
        ),
        Some("n-123"),
    )
    .unwrap();
    assert!(a.email_trusted(&v));
    assert_eq!(v.is_private_email, Some(BoolClaim::Text(true)));
    let v = run(
        &a,
        &with(c, "email_verified", json!("false")),
        Some("n-123"),
    )
    .unwrap();
    assert!(!a.email_trusted(&v));
}

#[test]
fn apple_nonce_may_be_the_sha256_hex_of_the_raw_nonce_or_the_raw_nonce() {
    let a = ProviderProfile::apple();
    let c = base("https://appleid.apple.com");
    let hashed = with(
        c.clone(),
        "nonce",
        json!(kith_claims::hex::sha256_hex("raw-nonce")),
    );
    assert!(run(&a, &hashed, Some("raw-nonce")).is_ok());
    assert!(run(
        &a,
        &with(c.clone(), "nonce", json!("raw-nonce")),
        Some("raw-nonce")
    )
    .is_ok());
    assert_eq!(
        run(&a, &hashed, Some("other")).unwrap_err(),
        ErrorCode::NonceMismatch
    );
    // Google does not accept the hashed form.
    let g = ProviderProfile::google();
    let hashed_google = with(
        base("https://accounts.google.com"),
        "nonce",
        json!(kith_claims::hex::sha256_hex("raw-nonce")),
    );
    assert_eq!(
        run(&g, &hashed_google, Some("raw-nonce")).unwrap_err(),
        ErrorCode::NonceMismatch
    );
}

// ---- Microsoft ----------------------------------------------------------------------

const TID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

fn ms(tid: &str) -> Value {
    with(
        base(&format!("https://login.microsoftonline.com/{tid}/v2.0")),
        "tid",
        json!(tid),
    )
}

#[test]
fn microsoft_multi_tenant_issuer_is_bound_to_the_tokens_own_tid() {
    let m = ProviderProfile::microsoft("common", &[]).unwrap();
    assert!(run(&m, &ms(TID), Some("n-123")).is_ok());
    // iss of one tenant with the tid of another: refused.
    let mixed = with(
        ms(TID),
        "tid",
        json!("00000000-0000-0000-0000-000000000001"),
    );
    assert_eq!(
        run(&m, &mixed, Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
    assert_eq!(
        run(&m, &without(ms(TID), "tid"), Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
    // A tid that tries to rewrite the issuer path.
    let sneaky = "evil/v2.0#";
    let c = with(
        base(&format!("https://login.microsoftonline.com/{sneaky}/v2.0")),
        "tid",
        json!(sneaky),
    );
    assert_eq!(
        run(&m, &c, Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
}

#[test]
fn microsoft_organizations_refuses_the_consumer_tenant_and_allowed_tenants_restrict() {
    let org = ProviderProfile::microsoft("organizations", &[]).unwrap();
    assert!(run(&org, &ms(TID), Some("n-123")).is_ok());
    assert_eq!(
        run(&org, &ms(MICROSOFT_CONSUMER_TENANT), Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
    let only = ProviderProfile::microsoft("common", &[TID.to_owned()]).unwrap();
    assert!(matches!(
        &only.issuer,
        IssuerRule::TenantTemplate {
            tenants: TenantPolicy::Only(_),
            ..
        }
    ));
    assert!(run(&only, &ms(TID), Some("n-123")).is_ok());
    assert_eq!(
        run(
            &only,
            &ms("11111111-2222-3333-4444-555555555555"),
            Some("n-123")
        )
        .unwrap_err(),
        ErrorCode::IssuerMismatch
    );
}

#[test]
fn microsoft_single_tenant_and_consumers_use_exact_issuers() {
    let single = ProviderProfile::microsoft(TID, &[]).unwrap();
    assert!(run(&single, &ms(TID), Some("n-123")).is_ok());
    assert_eq!(
        run(
            &single,
            &ms("11111111-2222-3333-4444-555555555555"),
            Some("n-123")
        )
        .unwrap_err(),
        ErrorCode::IssuerMismatch
    );
    let consumers = ProviderProfile::microsoft("consumers", &[]).unwrap();
    assert!(run(&consumers, &ms(MICROSOFT_CONSUMER_TENANT), Some("n-123")).is_ok());
    assert!(ProviderProfile::microsoft("../evil", &[]).is_err());
}

#[test]
fn microsoft_email_is_trusted_only_with_xms_edov() {
    let m = ProviderProfile::microsoft("common", &[]).unwrap();
    // email_verified true is not enough (nOAuth).
    let v = run(&m, &ms(TID), Some("n-123")).unwrap();
    assert!(!m.email_trusted(&v));
    let v = run(&m, &with(ms(TID), "xms_edov", json!(true)), Some("n-123")).unwrap();
    assert!(m.email_trusted(&v));
    let v = run(&m, &with(ms(TID), "xms_edov", json!(false)), Some("n-123")).unwrap();
    assert!(!m.email_trusted(&v));
}

// ---- GitHub -------------------------------------------------------------------------

#[test]
fn github_subject_is_the_numeric_id_and_only_a_primary_verified_email_is_trusted() {
    let user = br#"{"id": 583231, "login": "octocat", "name": "The Octocat", "email": null, "avatar_url": "https://a/x.png"}"#;
    let emails = br#"[{"email":"old@example.com","primary":false,"verified":true,"visibility":null},
                      {"email":"octo@example.com","primary":true,"verified":true,"visibility":"public"}]"#;
    let id = github_identity(user, emails).unwrap();
    assert_eq!(id.subject, "583231");
    assert_eq!(id.email.as_deref(), Some("octo@example.com"));
    assert!(id.email_trusted);
}

#[test]
fn github_verified_but_not_primary_email_is_not_used() {
    let user = br#"{"id": 1, "login": "u"}"#;
    let emails = br#"[{"email":"a@example.com","primary":false,"verified":true},{"email":"b@example.com","primary":true,"verified":false}]"#;
    let id = github_identity(user, emails).unwrap();
    assert_eq!(id.email, None);
    assert!(!id.email_trusted);
    assert_eq!(id.name.as_deref(), Some("u"));
}

#[test]
fn github_malformed_answers_are_refused() {
    assert!(github_identity(br#"{"login":"no-id"}"#, b"[]").is_err());
    assert!(github_identity(
        br#"{"id":1,"login":"u"}"#,
        br#"{"message":"Bad credentials"}"#
    )
    .is_err());
}

// ---- Facebook -----------------------------------------------------------------------

#[test]
fn facebook_limited_login_tokens_use_facebooks_issuer() {
    let f = ProviderProfile::facebook();
    let v = run(
        &f,
        &without(base("https://www.facebook.com"), "email_verified"),
        Some("n-123"),
    )
    .unwrap();
    assert!(
        f.email_trusted(&v),
        "Facebook only returns confirmed addresses"
    );
    assert_eq!(
        run(&f, &base("https://facebook.com"), Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
}

// ---- Okta / custom OIDC -------------------------------------------------------------

fn discovery(issuer: &str) -> String {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/v1/authorize"),
        "token_endpoint": format!("{issuer}/v1/token"),
        "jwks_uri": format!("{issuer}/v1/keys"),
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
    })
    .to_string()
}

#[test]
fn custom_oidc_profile_comes_from_a_discovery_document_whose_issuer_matches() {
    let d = Discovery::parse(
        discovery("https://acme.okta.com").as_bytes(),
        "https://acme.okta.com",
    )
    .unwrap();
    assert_eq!(
        d.algorithms,
        vec![Alg::Rs256],
        "HS256 and none are never taken from discovery"
    );
    let p = ProviderProfile::from_discovery(&d);
    assert_eq!(
        p.endpoints.jwks.as_deref(),
        Some("https://acme.okta.com/v1/keys")
    );
    let err = Discovery::parse(
        discovery("https://evil.example").as_bytes(),
        "https://acme.okta.com",
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidDiscovery);
}

#[test]
fn discovery_with_insecure_endpoints_is_refused() {
    let doc = discovery("https://acme.okta.com").replace(
        "https://acme.okta.com/v1/token",
        "http://acme.okta.com/v1/token",
    );
    assert_eq!(
        Discovery::parse(doc.as_bytes(), "https://acme.okta.com")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidDiscovery
    );
    let dup = r#"{"issuer":"https://a","issuer":"https://b"}"#;
    assert_eq!(
        Discovery::parse(dup.as_bytes(), "https://a")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidDiscovery
    );
}

#[test]
fn okta_trusts_email_verified_as_the_tenant_sets_it() {
    let d = Discovery::parse(
        discovery(ISS).replace("http://", "https://").as_bytes(),
        ISS,
    )
    .unwrap();
    let p = ProviderProfile::from_discovery(&d);
    let v = run(&p, &claims(), Some("n-123")).unwrap();
    assert!(p.email_trusted(&v));
    let v = run(
        &p,
        &with(claims(), "email_verified", json!(false)),
        Some("n-123"),
    )
    .unwrap();
    assert!(!p.email_trusted(&v));
}

// ---- The verified identity ----------------------------------------------------------

#[test]
fn identity_of_verified_claims_keeps_the_proof_and_normalizes_the_email() {
    let g = ProviderProfile::google();
    let c = with(
        base("https://accounts.google.com"),
        "email",
        json!("  Alice@Example.COM "),
    );
    let verified = run(&g, &c, Some("n-123")).unwrap();
    let id: Verified<kith_claims::providers::Identity> = g.identity(&verified);
    assert_eq!(id.subject, "user-1");
    assert_eq!(id.email.as_deref(), Some("alice@example.com"));
    assert!(id.email_trusted);
    let blank = run(&g, &with(c, "email", json!("   ")), Some("n-123")).unwrap();
    assert_eq!(g.identity(&blank).email, None);
}

#[test]
fn microsoft_identity_is_keyed_by_tenant_and_object_id() {
    let m = ProviderProfile::microsoft("common", &[]).unwrap();
    let oid = "00000000-0000-0000-66f3-3332eca7ea81";
    let v = run(&m, &with(ms(TID), "oid", json!(oid)), Some("n-123")).unwrap();
    assert_eq!(m.identity(&v).subject, format!("{TID}:{oid}"));
    // Without a GUID-like oid the pairwise sub is the key, as for every other provider.
    let v = run(
        &m,
        &with(ms(TID), "oid", json!("not/a-guid")),
        Some("n-123"),
    )
    .unwrap();
    assert_eq!(m.identity(&v).subject, "user-1");
    let g = ProviderProfile::google();
    let v = run(
        &g,
        &with(base("https://accounts.google.com"), "oid", json!(oid)),
        Some("n-123"),
    )
    .unwrap();
    assert_eq!(g.identity(&v).subject, "user-1");
}

#[test]
fn a_verified_value_can_be_derived_from_but_only_read() {
    let g = ProviderProfile::google();
    let v = run(&g, &base("https://accounts.google.com"), Some("n-123")).unwrap();
    assert_eq!(v.get().sub, "user-1");
    let subject: Verified<String> = v.map(|c| c.sub);
    assert_eq!(subject.as_str(), "user-1");
}

#[test]
fn microsoft_allowed_tenants_compare_without_case_on_either_side() {
    let upper = TID.to_ascii_uppercase();
    let configured_upper = ProviderProfile::microsoft("common", &[format!(" {upper} ")]).unwrap();
    assert!(run(&configured_upper, &ms(TID), Some("n-123")).is_ok());
    let configured_lower = ProviderProfile::microsoft("organizations", &[TID.into()]).unwrap();
    assert!(run(&configured_lower, &ms(&upper), Some("n-123")).is_ok());
    // Another tenant is still another tenant, in any case.
    let other = "11111111-2222-3333-4444-55555555AAAA";
    assert_eq!(
        run(&configured_upper, &ms(other), Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
    // The issuer must still carry the token's own tid.
    let mismatched = with(ms(TID), "tid", json!(upper));
    assert_eq!(
        run(&configured_upper, &mismatched, Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
}

#[test]
fn microsoft_organizations_refuses_the_consumer_tenant_in_upper_case_too() {
    let org = ProviderProfile::microsoft("organizations", &[]).unwrap();
    let consumer = MICROSOFT_CONSUMER_TENANT.to_ascii_uppercase();
    assert_eq!(
        run(&org, &ms(&consumer), Some("n-123")).unwrap_err(),
        ErrorCode::IssuerMismatch
    );
}

#[test]
fn microsoft_allowed_tenants_must_be_tenant_ids() {
    for bad in ["contoso.com", "../evil", "", "72f988bf/../x"] {
        assert!(
            ProviderProfile::microsoft("common", &[bad.to_owned()]).is_err(),
            "{bad:?}"
        );
    }
}
