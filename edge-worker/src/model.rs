//! Configuration and records as the Worker stores and serves them.

use serde::{Deserialize, Serialize};

/// A project (tenant): who may call it and where users may be sent back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub allowed_origins: Vec<String>,
    pub redirect_urls: Vec<String>,
    pub self_registration: bool,
    pub settings: ProjectSettings,
}

/// Tunables of a project (all optional in the admin API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectSettings {
    /// Sign-in attempts per client IP per minute (`POST /api/auth/login/social`).
    pub sign_in_per_minute: i64,
    /// Refreshes per client IP per minute (`POST /api/auth/refresh`).
    pub refresh_per_minute: i64,
    /// Access token lifetime, seconds.
    pub access_token_ttl_secs: i64,
    /// Session (refresh token family) lifetime, seconds.
    pub session_ttl_secs: i64,
    /// How long a rotated refresh token still returns its successor (racing tabs), seconds.
    pub refresh_grace_secs: i64,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        Self {
            sign_in_per_minute: 30,
            refresh_per_minute: 120,
            access_token_ttl_secs: 3600,
            session_ttl_secs: 30 * 24 * 3600,
            refresh_grace_secs: 30,
        }
    }
}

impl ProjectSettings {
    /// Checks the bounds; the reason on failure.
    pub fn validate(&self) -> Result<(), &'static str> {
        if !(1..=100_000).contains(&self.sign_in_per_minute)
            || !(1..=100_000).contains(&self.refresh_per_minute)
        {
            return Err("rate limits must be 1-100000 per minute");
        }
        if !(60..=86_400).contains(&self.access_token_ttl_secs) {
            return Err("access_token_ttl_secs must be 60-86400");
        }
        if !(3600..=365 * 86_400).contains(&self.session_ttl_secs) {
            return Err("session_ttl_secs must be 3600-31536000");
        }
        if !(1..=300).contains(&self.refresh_grace_secs) {
            return Err("refresh_grace_secs must be 1-300");
        }
        Ok(())
    }
}

/// Per-provider switches (CONTRACT "Admin").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderOptions {
    pub use_email_as_identifier: bool,
    pub allow_email_account_merge: bool,
    pub verify_email: bool,
    pub sign_up_enabled: bool,
    pub sign_in_enabled: bool,
}

impl ProviderOptions {
    /// The linking switches of kith-claims.
    pub fn link_options(&self) -> kith_claims::LinkOptions {
        kith_claims::LinkOptions {
            use_email_as_identifier: self.use_email_as_identifier,
            allow_email_account_merge: self.allow_email_account_merge,
            verify_email: self.verify_email,
            sign_up_enabled: self.sign_up_enabled,
            sign_in_enabled: self.sign_in_enabled,
        }
    }
}

impl Default for ProviderOptions {
    fn default() -> Self {
        Self {
            use_email_as_identifier: true,
            allow_email_account_merge: true,
            verify_email: false,
            sign_up_enabled: true,
            sign_in_enabled: true,
        }
    }
}

/// How the Worker authenticates to the provider's token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuthMethod {
    #[default]
    ClientSecretBasic,
    ClientSecretPost,
}

/// The public part of a provider configuration (stored as JSON; never holds a secret).
/// Endpoints are stored resolved: the provider's defaults, the discovery document's, or the
/// admin's overrides (local stand-ins in tests, sovereign clouds in production).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub client_id: String,
    #[serde(default)]
    pub allowed_client_ids: Vec<String>,
    /// The issuer (exact for Okta and custom OIDC; informative for the built-in profiles,
    /// whose issuer rules are fixed in kith-claims).
    #[serde(default)]
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_method: TokenAuthMethod,
    #[serde(default)]
    pub options: ProviderOptions,
    /// id_token algorithms (Okta/custom, from discovery); empty: RS256, ES256, EdDSA.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub algorithms: Vec<String>,
    /// Microsoft: a tenant id, `common`, `organizations` or `consumers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Microsoft multi-tenant: the tenants admitted (empty: per `tenant`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_tenants: Vec<String>,
    /// Google: the Workspace domain users must belong to (`hd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_domain: Option<String>,
    /// Apple: the developer team id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Apple: the id of the Sign in with Apple private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Okta/custom: where the configuration was discovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_url: Option<String>,
}

/// Which built-in profile a provider name selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Google,
    Apple,
    Microsoft,
    GitHub,
    Facebook,
    Okta,
    /// `oidc:<name>`.
    CustomOidc,
}

impl ProviderKind {
    /// The kind of a provider name, or `None` for names Kith does not know.
    pub fn of(name: &str) -> Option<Self> {
        Some(match name {
            "google" => Self::Google,
            "apple" => Self::Apple,
            "microsoft" => Self::Microsoft,
            "github" => Self::GitHub,
            "facebook" => Self::Facebook,
            "okta" => Self::Okta,
            n if n.strip_prefix("oidc:").is_some_and(|n| {
                (1..=32).contains(&n.len())
                    && n.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    })
            }) =>
            {
                Self::CustomOidc
            }
            _ => return None,
        })
    }

    /// OAuth 2.0 providers whose identity comes from an API rather than an id_token.
    pub fn is_oauth2(self) -> bool {
        matches!(self, Self::GitHub | Self::Facebook)
    }
}

/// A provider as loaded for a login.
#[derive(Debug, Clone)]
pub struct Provider {
    pub name: String,
    pub enabled: bool,
    pub config: ProviderConfig,
    pub client_secret_enc: Option<String>,
}

/// An identity linked to a user (CONTRACT "User").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityOut {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub linked_at: i64,
}

/// A user as the API returns it (CONTRACT "User").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserOut {
    pub id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
    pub roles: Vec<String>,
    pub identities: Vec<IdentityOut>,
    pub created_at: i64,
    pub last_sign_in_at: i64,
}

/// The session answer (CONTRACT "Session").
#[derive(Debug, Clone, Serialize)]
pub struct SessionOut {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub expires_at: i64,
    pub refresh_token: String,
    pub user: UserOut,
}
