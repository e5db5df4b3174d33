//! The sign-in, refresh and identity services end to end on the native twins: real ES256
//! id_tokens verified with RustCrypto against a key set the HTTP twin serves, real code
//! exchanges at a twin token endpoint, a GitHub-shaped API, the SQLite twin underneath.

use super::world::{count, now, PID};
use futures_executor::block_on;
use kith_claims::b64;
use kith_claims::providers::ProviderName;
use kith_worker::adapters::sql;
use kith_worker::adapters::sqlite::Sqlite;
use kith_worker::adapters::twins::http::json;
use kith_worker::adapters::twins::TwinPlatform;
use kith_worker::app::keyring::provider_secret_aad;
use kith_worker::app::ports::Crypto;
use kith_worker::app::prove::{parse_claim, LoginBody, RedirectRule};
use kith_worker::app::sessions::{self, AccessClaims};
use kith_worker::app::{identities, signin};
use kith_worker::domain::{
    Project, ProjectId, ProjectSettings, Provider, ProviderConfig, ProviderOptions, Secret,
    TokenAuthMethod,
};
use kith_worker::error::ApiError;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json as j, Value};

pub const OP: &str = "https://op.example";
pub const REDIRECT: &str = "https://app.example/cb";
pub const SECRET: &str = "client-secret-of-the-op";
/// The Worker's own form_post relay, as `http::flow::callback_url` names it for Apple.
pub const OWN_RELAY: &str = "https://kith.example/oauth/projects/p/providers/apple/callback";

/// The redirect rule of a sign-in body: the project's URLs, or the Worker's relay (Apple).
pub fn rule(project: &Project) -> RedirectRule<'_> {
    RedirectRule {
        project,
        own_relay: OWN_RELAY,
    }
}

pub fn key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32].into()).unwrap()
}

pub fn jwks() -> Value {
    let point = key().verifying_key().to_encoded_point(false);
    j!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
        "x": b64::encode(point.x().unwrap()), "y": b64::encode(point.y().unwrap())}]})
}

/// An ES256 id_token from the twin OP.
pub fn id_token(sub: &str, nonce: &str, email: &str) -> String {
    let claims = j!({"iss": OP, "aud": "app", "sub": sub, "iat": now(), "exp": now() + 600,
        "nonce": nonce, "email": email, "email_verified": true});
    let (input, sig) = sign(&claims);
    format!("{input}.{}", b64::encode(sig.to_bytes()))
}

/// The signing input of `claims` under the twin OP's ES256 header, and its signature.
pub fn sign(claims: &Value) -> (String, Signature) {
    let header = j!({"alg": "ES256", "kid": "k1", "typ": "JWT"});
    let input = format!(
        "{}.{}",
        b64::encode(header.to_string()),
        b64::encode(claims.to_string())
    );
    let sig: Signature = key().sign(input.as_bytes());
    (input, sig)
}

fn config(client_id: &str, userinfo: Option<&str>, jwks_uri: Option<&str>) -> ProviderConfig {
    ProviderConfig {
        client_id: client_id.into(),
        allowed_client_ids: vec![],
        issuer: OP.into(),
        authorization_endpoint: format!("{OP}/auth"),
        token_endpoint: format!("{OP}/token"),
        userinfo_endpoint: userinfo.map(str::to_owned),
        jwks_uri: jwks_uri.map(str::to_owned),
        scopes: vec!["openid".into()],
        token_endpoint_auth_method: TokenAuthMethod::ClientSecretPost,
        options: ProviderOptions::default(),
        algorithms: vec!["ES256".into()],
        tenant: None,
        allowed_tenants: vec![],
        hosted_domain: None,
        team_id: None,
        key_id: None,
        discovery_url: None,
    }
}

pub struct Native {
    pub p: TwinPlatform,
    pub project: Project,
    pub oidc: Provider,
    pub github: Provider,
}

pub fn native() -> Native {
    native_on(Sqlite::with_migrations().unwrap())
}

/// The same, on a given database (e.g. one with an older schema).
pub fn native_on(db: Sqlite) -> Native {
    let p = TwinPlatform::on(db).unwrap();
    let project = Project {
        id: ProjectId::parse(PID).unwrap(),
        name: "native".into(),
        allowed_origins: vec![],
        redirect_urls: vec![REDIRECT.into()],
        self_registration: true,
        settings: ProjectSettings::default(),
        mailer: None,
    };
    block_on(sql::admin::put_project(&p.db, &project, now())).unwrap();
    let seal = |name: &str| {
        let aad = provider_secret_aad(PID, name);
        block_on(p.crypto.seal(&Secret::new(SECRET), &aad)).unwrap()
    };
    let oidc = Provider {
        project_id: PID.into(),
        name: ProviderName::parse("oidc:dev").unwrap(),
        enabled: true,
        config: config("app", None, Some(&format!("{OP}/jwks"))),
        client_secret_enc: Some(seal("oidc:dev")),
    };
    let github = Provider {
        project_id: PID.into(),
        name: ProviderName::parse("github").unwrap(),
        enabled: true,
        config: config("gh-app", Some("https://api.github.example/user"), None),
        client_secret_enc: Some(seal("github")),
    };
    p.http.route(&format!("{OP}/jwks"), |_| json(200, &jwks()));
    Native {
        p,
        project,
        oidc,
        github,
    }
}

pub fn body(provider: &str) -> LoginBody {
    LoginBody {
        provider: provider.into(),
        code: None,
        code_verifier: None,
        redirect_uri: None,
        nonce: None,
        id_token: None,
        user: None,
    }
}

impl Native {
    pub fn sign_in(&self, provider: &Provider, b: LoginBody) -> Result<signin::Granted, ApiError> {
        let claim = parse_claim(b, &rule(&self.project), provider)?;
        block_on(signin::sign_in(
            &self.p,
            &self.project,
            provider,
            claim,
            now(),
        ))
    }

    pub fn id_token_form(&self, token: &str, nonce: &str) -> Result<signin::Granted, ApiError> {
        let b = LoginBody {
            id_token: Some(token.into()),
            nonce: Some(nonce.into()),
            ..body("oidc:dev")
        };
        self.sign_in(&self.oidc, b)
    }

    pub fn code_form(&self, provider: &Provider) -> Result<signin::Granted, ApiError> {
        let b = LoginBody {
            code: Some("the-code".into()),
            code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
            redirect_uri: Some(REDIRECT.into()),
            nonce: Some("n-code".into()),
            ..body(provider.name.as_str())
        };
        self.sign_in(provider, b)
    }

    pub fn rows(&self) -> (i64, i64, i64) {
        (
            count(&self.p.db, "users"),
            count(&self.p.db, "identities"),
            count(&self.p.db, "sessions"),
        )
    }
}

#[test]
fn an_id_token_form_sign_in_is_verified_natively_and_single_use() {
    let n = native();
    let token = id_token("alice", "n-1", "alice@example.com");
    let granted = n.id_token_form(&token, "n-1").unwrap();
    assert_eq!(granted.user.email.as_deref(), Some("alice@example.com"));
    assert!(granted.user.email_verified);
    assert_eq!(n.rows(), (1, 1, 1));
    let replay = n.id_token_form(&token, "n-1").unwrap_err();
    assert!(
        matches!(replay, ApiError::InvalidSocialLogin(_)),
        "{replay:?}"
    );
    assert_eq!(n.rows(), (1, 1, 1), "a replay writes nothing");
}

#[test]
fn a_forged_or_mismatched_id_token_writes_nothing() {
    let n = native();
    let token = id_token("alice", "n-1", "alice@example.com");
    let wrong_nonce = n.id_token_form(&token, "n-2").unwrap_err();
    assert!(matches!(wrong_nonce, ApiError::InvalidSocialLogin(_)));
    let mut forged = token.clone();
    forged.replace_range(token.len() - 4.., "AAAA");
    let bad_sig = n.id_token_form(&forged, "n-1").unwrap_err();
    assert!(matches!(bad_sig, ApiError::InvalidSocialLogin(_)));
    assert_eq!(n.rows(), (0, 0, 0));
}

#[test]
fn an_unreachable_key_set_is_provider_unavailable_and_writes_nothing() {
    let n = native();
    n.p.http
        .route(&format!("{OP}/jwks"), |_| json(503, &j!({})));
    let err = n
        .id_token_form(&id_token("alice", "n-1", "a@example.com"), "n-1")
        .unwrap_err();
    assert!(matches!(err, ApiError::ProviderUnavailable(_)), "{err:?}");
    assert_eq!(n.rows(), (0, 0, 0));
    assert_eq!(count(&n.p.db, "used_tokens"), 0);
}

#[test]
fn a_code_form_sign_in_exchanges_the_code_with_the_sealed_secret_and_the_verifier() {
    let n = native();
    let token = id_token("bob", "n-code", "bob@example.com");
    n.p.http.route(&format!("{OP}/token"), move |_| {
        json(
            200,
            &j!({"access_token": "at", "token_type": "Bearer", "id_token": token}),
        )
    });
    let granted = n.code_form(&n.oidc).unwrap();
    assert_eq!(granted.user.email.as_deref(), Some("bob@example.com"));
    let exchange =
        n.p.http
            .seen()
            .into_iter()
            .find(|r| r.url.ends_with("/token"))
            .unwrap();
    assert!(exchange.body.contains("code=the-code"), "{}", exchange.body);
    assert!(exchange.body.contains("code_verifier=dBjftJeZ4CVP"));
    assert!(exchange.body.contains(&format!("client_secret={SECRET}")));
}

pub fn github_routes(n: &Native, user_status: u16) {
    n.p.http.route(&format!("{OP}/token"), |_| {
        json(
            200,
            &j!({"access_token": "gh-token", "token_type": "bearer", "scope": "user:email"}),
        )
    });
    n.p.http.route(
        "https://api.github.example/user",
        move |r: &kith_claims::oauth::HttpRequest| {
            let authorized = r
                .headers
                .iter()
                .any(|(k, v)| *k == "authorization" && v == "Bearer gh-token");
            let agent = r.headers.iter().any(|(k, _)| *k == "user-agent");
            if !(authorized && agent) {
                return json(403, &j!({"message": "no"}));
            }
            json(
                user_status,
                &j!({"id": 4242, "login": "octo", "name": "Octo", "email": null}),
            )
        },
    );
    n.p.http.route("https://api.github.example/user/emails", |_| {
        json(200, &j!([{"email": "octo@example.com", "primary": true, "verified": true, "visibility": null}]))
    });
}

#[test]
fn a_github_shaped_provider_signs_in_from_its_api_after_the_code_exchange() {
    let n = native();
    github_routes(&n, 200);
    let granted = n.code_form(&n.github).unwrap();
    assert_eq!(granted.user.email.as_deref(), Some("octo@example.com"));
    assert!(granted.user.email_verified, "primary and verified");
    let subjects: Vec<_> = granted
        .user
        .identities
        .iter()
        .map(|i| i.subject.as_str())
        .collect();
    assert_eq!(subjects, ["4242"]);
}

#[test]
fn a_github_api_outage_is_provider_unavailable_and_writes_nothing() {
    let n = native();
    github_routes(&n, 502);
    let err = n.code_form(&n.github).unwrap_err();
    assert!(matches!(err, ApiError::ProviderUnavailable(_)), "{err:?}");
    assert_eq!(n.rows(), (0, 0, 0));
}

#[test]
fn refresh_and_linking_run_on_the_twins_after_a_native_sign_in() {
    let n = native();
    let first = n
        .id_token_form(&id_token("carol", "n-1", "carol@example.com"), "n-1")
        .unwrap();
    let rotated = block_on(sessions::refresh(
        &n.p.db,
        &n.p.crypto,
        &n.project,
        &first.refresh_token,
        now() + 5,
    ))
    .unwrap();
    assert_eq!(rotated.session_id, first.session_id);
    assert_ne!(rotated.refresh_token, first.refresh_token);
    github_routes(&n, 200);
    let who = AccessClaims {
        iss: "https://kith.example".into(),
        aud: PID.into(),
        sub: first.user.id.clone(),
        sid: first.session_id.as_str().to_owned(),
        iat: now(),
        exp: now() + 600,
        email: None,
        email_verified: false,
        roles: vec![],
        permissions: vec![],
        amr: vec!["social:github".into()],
    };
    let b = LoginBody {
        code: Some("the-code".into()),
        code_verifier: Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into()),
        redirect_uri: Some(REDIRECT.into()),
        ..body("github")
    };
    let claim = parse_claim(b, &rule(&n.project), &n.github).unwrap();
    let user = block_on(identities::link(
        &n.p,
        &n.project,
        &n.github,
        claim,
        &who,
        now(),
    ))
    .unwrap();
    let mut providers: Vec<_> = user
        .identities
        .iter()
        .map(|i| i.provider.as_str())
        .collect();
    providers.sort_unstable();
    assert_eq!(providers, ["github", "oidc:dev"]);
}
