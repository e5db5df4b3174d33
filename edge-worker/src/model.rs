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

impl Default for ProviderOptions {
    fn default() -> Self {
        Self {
            use_email_as_identifier: false,
            allow_email_account_merge: false,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub client_id: String,
    #[serde(default)]
    pub allowed_client_ids: Vec<String>,
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_method: TokenAuthMethod,
    #[serde(default)]
    pub options: ProviderOptions,
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
