//! The fixture of the storage and linking tests: a project on the SQLite twin, providers
//! with chosen options, and identities taken on trust (their proof is tested in `native`).

pub use futures_executor::block_on;
pub use kith_claims::providers::{Identity, ProviderName};
pub use kith_worker::adapters::sql;
pub use kith_worker::adapters::sql::identities::{IdentityChange as Change, Link};
pub use kith_worker::adapters::sqlite::Sqlite;
pub use kith_worker::adapters::twins::crypto::NativeCrypto;
pub use kith_worker::app::ports::Crypto;
pub use kith_worker::app::refresh_token;
pub use kith_worker::app::sessions::refresh;
pub use kith_worker::app::signin::{complete_sign_in, Completed, Fresh, Granted};
pub use kith_worker::app::store::{int, stmt, text, Db, Value};
pub use kith_worker::domain::identity::ReplayKey;
pub use kith_worker::domain::project::Config;
pub use kith_worker::domain::{
    Project, ProjectId, ProjectSettings, ProvenIdentity, Provider, ProviderConfig, ProviderOptions,
    RefreshToken, Secret, SessionId, TokenAuthMethod,
};
pub use kith_worker::error::ApiError;
pub use std::cell::Cell;

pub const PID: &str = "0b5e7c1e-4a57-4c39-9a38-6f1d2f6f7a10";
pub const NOW: i64 = 1_800_000_000;
pub struct World {
    pub db: Sqlite,
    /// The refresh keys' source (and nothing else here).
    pub crypto: NativeCrypto,
    pub project: Project,
    pub counter: Cell<u32>,
}

/// Rotates `token` in world `w` at `now`.
pub fn rotate(w: &World, token: &RefreshToken, now: i64) -> Result<Granted, ApiError> {
    block_on(refresh(&w.db, &w.crypto, &w.project, token, now))
}

pub fn provider(name: &str, options: ProviderOptions) -> Provider {
    Provider {
        project_id: PID.into(),
        name: ProviderName::parse(name).unwrap(),
        enabled: true,
        config: ProviderConfig {
            client_id: "c".into(),
            allowed_client_ids: vec![],
            issuer: "https://op.example".into(),
            authorization_endpoint: "https://op.example/auth".into(),
            token_endpoint: "https://op.example/token".into(),
            userinfo_endpoint: None,
            jwks_uri: Some("https://op.example/jwks".into()),
            scopes: vec!["openid".into()],
            token_endpoint_auth_method: TokenAuthMethod::ClientSecretBasic,
            options,
            algorithms: vec![],
            tenant: None,
            allowed_tenants: vec![],
            hosted_domain: None,
            team_id: None,
            key_id: None,
            discovery_url: None,
        },
        client_secret_enc: None,
    }
}

pub fn world() -> World {
    let db = Sqlite::with_migrations().unwrap();
    let project = Project {
        id: ProjectId::parse(PID).unwrap(),
        name: "t".into(),
        allowed_origins: vec![],
        redirect_urls: vec![],
        self_registration: true,
        settings: ProjectSettings {
            refresh_grace_secs: 10,
            ..ProjectSettings::default()
        },
        mailer: None,
    };
    block_on(sql::admin::put_project(&db, &project, NOW)).unwrap();
    World {
        db,
        crypto: NativeCrypto::default(),
        project,
        counter: Cell::new(0),
    }
}

/// A refresh token of the first format (43 characters, no dots).
pub const FIRST_FORMAT_TOKEN: &str = "bGVnYWN5IHJlZnJlc2ggdG9rZW4gb2YgNDMgY2hhcnM";

impl World {
    /// Turns session `sid` into one opened before refresh generations: no hash in its row,
    /// its current token [`FIRST_FORMAT_TOKEN`] in `refresh_tokens`.
    pub fn to_first_format(&self, sid: &SessionId) -> RefreshToken {
        let (sid, hash) = (
            sid.as_str(),
            kith_claims::hex::sha256_hex(FIRST_FORMAT_TOKEN),
        );
        self.db.query(&format!(
            "UPDATE sessions SET refresh_hash = NULL WHERE id = '{sid}'"
        ));
        self.db.query(&format!(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ('{hash}', '{sid}', {NOW})"
        ));
        RefreshToken::new(FIRST_FORMAT_TOKEN)
    }

    pub fn fresh(&self) -> Fresh {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        let sid = format!("session-{n}");
        let keys = self.crypto.refresh_keys();
        Fresh {
            user_id: format!("user-{n}"),
            refresh_token: refresh_token::first(keys, &sid, &format!("refresh-{n}")),
            session_id: SessionId::new(sid),
            verification_id: format!("verify-{n}"),
            verification_code: Secret::new("123456"),
        }
    }

    /// What the linking policy makes of a sign-in (no code is sent in this world: the
    /// email-OTP step is tested on the platform twins, `otp`).
    pub fn complete(
        &self,
        p: &Provider,
        subject: &str,
        email: Option<&str>,
        trusted: bool,
    ) -> Result<Completed, ApiError> {
        let key = format!("idt:{}-{}", subject, self.counter.get());
        let id = assume(subject, email, trusted, Some("N"), &[&key]);
        block_on(complete_sign_in(
            &self.db,
            &self.project,
            p,
            &id,
            &self.fresh(),
            NOW,
        ))
    }

    /// A sign-in that the policy grants or refuses (never one that asks for a code).
    pub fn sign_in(
        &self,
        p: &Provider,
        subject: &str,
        email: Option<&str>,
        trusted: bool,
    ) -> Result<Granted, ApiError> {
        match self.complete(p, subject, email, trusted)? {
            Completed::Granted(g) => Ok(*g),
            other => panic!("asked for an email verification: {other:?}"),
        }
    }

    pub fn count(&self, table: &str) -> i64 {
        int(
            &self.db.query(&format!("SELECT count(*) AS n FROM {table}"))[0],
            "n",
        )
        .unwrap()
    }

    pub fn rows(&self) -> (i64, i64, i64) {
        (
            self.count("users"),
            self.count("identities"),
            self.count("sessions"),
        )
    }
}

/// An identity taken on trust (the proof is tested in `native`), with single-use keys.
pub fn assume(
    subject: &str,
    email: Option<&str>,
    trusted: bool,
    name: Option<&str>,
    keys: &[&str],
) -> ProvenIdentity {
    let identity = Identity {
        subject: subject.into(),
        email: email.map(str::to_owned),
        email_trusted: trusted,
        name: name.map(str::to_owned),
        picture: None,
    };
    let keys = keys
        .iter()
        .map(|k| ReplayKey {
            key: (*k).to_owned(),
            keep_until: NOW + 600,
        })
        .collect();
    ProvenIdentity::dangerous_assume(identity, keys)
}

/// The configuration batch with a raw rate-limit key (`404` as the service maps it).
pub async fn load(db: &Sqlite, pid: &str, rate: Option<(&str, i64)>) -> Result<Config, ApiError> {
    let count = rate.map(|(key, window)| sql::config::Count {
        key,
        window,
        origin: None,
    });
    sql::config::load(db, pid, count.as_ref())
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::ProjectNotFound)
}

pub fn open() -> ProviderOptions {
    ProviderOptions::default()
}

/// The tests' clock.
pub fn now() -> i64 {
    NOW
}

/// Rows in `table`.
pub fn count(db: &Sqlite, table: &str) -> i64 {
    int(
        &db.query(&format!("SELECT count(*) AS n FROM {table}"))[0],
        "n",
    )
    .unwrap()
}
