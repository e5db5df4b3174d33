//! A provider as configured for a project: its switches, endpoints and (sealed) secret.

use kith_claims::jose::Alg;
use kith_claims::providers::{
    Discovery, Endpoints, Protocol, ProviderKind, ProviderName, ProviderProfile,
};
use serde::{Deserialize, Serialize};

/// Per-provider switches (CONTRACT "Admin").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderOptions {
    pub use_email_as_identifier: bool,
    pub allow_email_account_merge: bool,
    pub verify_email: bool,
    pub sign_up_enabled: bool,
    pub sign_in_enabled: bool,
    /// Whether a signed-in user may read this provider's access token from the browser
    /// (`GET /api/auth/identities/{provider}/token`). Off by default: the admin route reads
    /// it for app backends either way.
    pub expose_tokens_to_client: bool,
}

impl ProviderOptions {
    /// The linking switches of kith-claims.
    pub fn link_options(&self) -> kith_claims::linking::LinkOptions {
        kith_claims::linking::LinkOptions {
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
            expose_tokens_to_client: false,
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

/// A provider as loaded for a login.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The project it belongs to (binds its sealed secret to its row).
    pub project_id: String,
    pub name: ProviderName,
    pub enabled: bool,
    pub config: ProviderConfig,
    pub client_secret_enc: Option<String>,
}

impl Provider {
    /// The associated data its sealed secret is bound to.
    pub fn secret_aad(&self) -> String {
        crate::app::keyring::provider_secret_aad(&self.project_id, self.name.as_str())
    }

    /// The provider's kind.
    pub fn kind(&self) -> ProviderKind {
        self.name.kind()
    }

    /// Whether the provider answers with an HTML form POST (`response_mode=form_post`, Apple:
    /// needed for the first-login name), so the SDK's flow goes through the Worker's relay.
    pub fn answers_with_form_post(&self) -> bool {
        self.kind() == ProviderKind::Apple
    }

    /// OAuth 2.0 providers read the account from an API rather than an id_token.
    pub fn is_oauth2(&self) -> bool {
        self.kind().protocol() == Protocol::OAuth2
    }

    /// The profile kith-claims verifies this provider's tokens by: the built-in rules of its
    /// kind, with the endpoints of its configuration (defaults, discovery or stand-ins).
    pub fn profile(&self) -> Result<ProviderProfile, String> {
        let cfg = &self.config;
        let mut profile = match self.kind() {
            ProviderKind::Google => ProviderProfile::google(),
            ProviderKind::Apple => ProviderProfile::apple(),
            ProviderKind::GitHub => ProviderProfile::github(),
            ProviderKind::Facebook => ProviderProfile::facebook(),
            ProviderKind::Microsoft => ProviderProfile::microsoft(
                cfg.tenant.as_deref().unwrap_or_default(),
                &cfg.allowed_tenants,
            )
            .map_err(|e| format!("stored microsoft tenant: {e}"))?,
            ProviderKind::Okta | ProviderKind::CustomOidc => {
                let mut p = ProviderProfile::from_discovery(&Discovery {
                    issuer: cfg.issuer.clone(),
                    authorization_endpoint: cfg.authorization_endpoint.clone(),
                    token_endpoint: cfg.token_endpoint.clone(),
                    userinfo_endpoint: cfg.userinfo_endpoint.clone(),
                    jwks_uri: cfg.jwks_uri.clone().unwrap_or_default(),
                    algorithms: cfg
                        .algorithms
                        .iter()
                        .filter_map(|a| Alg::from_name(a))
                        .collect(),
                });
                if cfg.algorithms.is_empty() {
                    p.algorithms = vec![Alg::Rs256, Alg::Es256, Alg::EdDsa];
                }
                p
            }
        };
        profile.endpoints = Endpoints {
            authorization: cfg.authorization_endpoint.clone(),
            token: cfg.token_endpoint.clone(),
            userinfo: cfg.userinfo_endpoint.clone(),
            jwks: cfg.jwks_uri.clone(),
        };
        Ok(profile)
    }
}
