//! Resolving a typed provider body into the stored configuration: the kind's fixed facts,
//! the admin's overrides, discovery, defaults, and every URL under the one URL policy.

use super::*;
use crate::domain::urls::check_url;

fn bad<T>(m: impl Into<String>) -> Result<T, String> {
    Err(m.into())
}

/// A short identifier (Apple team and key ids): 1-64 of letters, digits, `-`, `.`.
fn short_id(field: &str, value: Option<&str>) -> Result<String, String> {
    match value.map(str::trim) {
        Some(v)
            if !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') =>
        {
            Ok(v.to_owned())
        }
        _ => bad(format!(
            "\"{field}\" is required for this provider (letters, digits, '-', '.')"
        )),
    }
}

/// The kind's fixed issuer, its built-in defaults, and the kind-specific stored fields.
struct KindFacts {
    issuer: String,
    defaults: ProviderProfile,
    algorithms: Vec<String>,
    extra: Extra,
}

#[derive(Default)]
struct Extra {
    tenant: Option<String>,
    allowed_tenants: Vec<String>,
    hosted_domain: Option<String>,
    team_id: Option<String>,
    key_id: Option<String>,
    discovery_url: Option<String>,
}

fn microsoft_facts(b: &MicrosoftBody) -> Result<KindFacts, String> {
    let tenant = b
        .tenant
        .as_deref()
        .ok_or("\"tenant\" is required for microsoft")?;
    let multi = matches!(tenant, "common" | "organizations");
    if !b.allowed_tenants.is_empty() && !multi {
        return bad("\"allowed_tenants\" only applies to tenant \"common\" or \"organizations\"");
    }
    let defaults = ProviderProfile::microsoft(tenant, &b.allowed_tenants)
        .map_err(|e| e.detail().to_owned())?;
    // Stored as compared: lower-case GUIDs.
    let allowed_tenants = kith_claims::providers::microsoft::normalize_tenants(&b.allowed_tenants)
        .map_err(|e| e.detail().to_owned())?;
    Ok(KindFacts {
        issuer: "https://login.microsoftonline.com/{tid}/v2.0".into(),
        defaults,
        algorithms: vec![],
        extra: Extra {
            tenant: Some(tenant.to_owned()),
            allowed_tenants,
            ..Extra::default()
        },
    })
}

fn oidc_facts(b: &OidcBody, discovered: Option<&Discovery>) -> Result<KindFacts, String> {
    let issuer = b.issuer.clone().ok_or("\"issuer\" is required")?;
    check_url("issuer", &issuer)?;
    let (defaults, algorithms) = match discovered {
        Some(d) => (
            ProviderProfile::from_discovery(d),
            d.algorithms.iter().map(|a| a.as_str().to_owned()).collect(),
        ),
        None => {
            let endpoint = |v: &Option<String>| v.clone().unwrap_or_default();
            let explicit = Discovery {
                issuer: issuer.clone(),
                authorization_endpoint: endpoint(&b.authorization_endpoint),
                token_endpoint: endpoint(&b.token_endpoint),
                userinfo_endpoint: b.userinfo_endpoint.clone(),
                jwks_uri: endpoint(&b.jwks_uri),
                algorithms: vec![],
            };
            (ProviderProfile::from_discovery(&explicit), vec![])
        }
    };
    Ok(KindFacts {
        issuer,
        defaults,
        algorithms,
        extra: Extra {
            discovery_url: b.discovery_url.clone(),
            ..Extra::default()
        },
    })
}

fn fixed(issuer: &str, defaults: ProviderProfile) -> KindFacts {
    KindFacts {
        issuer: issuer.to_owned(),
        defaults,
        algorithms: vec![],
        extra: Extra::default(),
    }
}

impl ProviderSettings {
    fn facts(&self, discovered: Option<&Discovery>) -> Result<KindFacts, String> {
        Ok(match self {
            Self::Google(b) => KindFacts {
                extra: Extra {
                    hosted_domain: b
                        .hosted_domain
                        .as_deref()
                        .map(|d| d.trim().to_lowercase())
                        .filter(|d| !d.is_empty()),
                    ..Extra::default()
                },
                ..fixed("https://accounts.google.com", ProviderProfile::google())
            },
            Self::Apple(b) => KindFacts {
                extra: Extra {
                    team_id: Some(short_id("team_id", b.team_id.as_deref())?),
                    key_id: Some(short_id("key_id", b.key_id.as_deref())?),
                    ..Extra::default()
                },
                ..fixed("https://appleid.apple.com", ProviderProfile::apple())
            },
            Self::GitHub(_) => fixed("", ProviderProfile::github()),
            Self::Facebook(_) => fixed("https://www.facebook.com", ProviderProfile::facebook()),
            Self::Microsoft(b) => microsoft_facts(b)?,
            Self::Okta(b) | Self::CustomOidc(b) => oidc_facts(b, discovered)?,
        })
    }

    fn kind(&self) -> ProviderKind {
        match self {
            Self::Google(_) => ProviderKind::Google,
            Self::Apple(_) => ProviderKind::Apple,
            Self::Microsoft(_) => ProviderKind::Microsoft,
            Self::GitHub(_) => ProviderKind::GitHub,
            Self::Facebook(_) => ProviderKind::Facebook,
            Self::Okta(_) => ProviderKind::Okta,
            Self::CustomOidc(_) => ProviderKind::CustomOidc,
        }
    }

    /// The secret this body carries: a client secret, or Apple's private key.
    fn secret(&self) -> Option<Secret> {
        let given = match self {
            Self::Apple(b) => b.private_key.as_deref(),
            Self::Google(GoogleBody { client_secret, .. })
            | Self::Microsoft(MicrosoftBody { client_secret, .. })
            | Self::GitHub(OAuth2Body { client_secret, .. })
            | Self::Facebook(OAuth2Body { client_secret, .. })
            | Self::Okta(OidcBody { client_secret, .. })
            | Self::CustomOidc(OidcBody { client_secret, .. }) => client_secret.as_deref(),
        };
        given.map(Secret::new)
    }

    /// Validates the body and resolves its endpoints: the admin's overrides, else the
    /// discovery document's (`discovered`), else the kind's defaults.
    pub fn resolve(self, discovered: Option<&Discovery>) -> Result<Resolved, String> {
        let kind = self.kind();
        let c = self.common();
        if c.client_id.trim().is_empty() || c.client_id.len() > 512 {
            return bad("\"client_id\" is required");
        }
        if c.options.verify_email && !c.options.use_email_as_identifier {
            return bad("\"verify_email\" requires \"use_email_as_identifier\"");
        }
        let facts = self.facts(discovered)?;
        let d = &facts.defaults.endpoints;
        let pick = |given: Option<&str>, default: &str| given.unwrap_or(default).to_owned();
        let authorization_endpoint = pick(c.authorization_endpoint, &d.authorization);
        let token_endpoint = pick(c.token_endpoint, &d.token);
        let userinfo_endpoint = c
            .userinfo_endpoint
            .map(str::to_owned)
            .or(d.userinfo.clone());
        let jwks_uri = c.jwks_uri.map(str::to_owned).or(d.jwks.clone());
        check_url("authorization_endpoint", &authorization_endpoint)?;
        check_url("token_endpoint", &token_endpoint)?;
        for (field, url) in [
            ("userinfo_endpoint", &userinfo_endpoint),
            ("jwks_uri", &jwks_uri),
        ] {
            if let Some(u) = url {
                check_url(field, u)?;
            }
        }
        if jwks_uri.is_none() && kind.protocol() != Protocol::OAuth2 {
            return bad("\"jwks_uri\" is required");
        }
        let scopes = c.scopes.map_or_else(
            || {
                facts
                    .defaults
                    .default_scopes
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect()
            },
            <[String]>::to_vec,
        );
        let oauth2 = kind.protocol() == Protocol::OAuth2;
        let oidc = !oauth2 && kind != ProviderKind::Apple;
        if oidc && !scopes.iter().any(|s| s == "openid") {
            return bad("an OIDC provider's scopes must include \"openid\"");
        }
        // Apple, Facebook and GitHub take the secret in the body.
        let default_auth = match kind {
            ProviderKind::Apple | ProviderKind::Facebook | ProviderKind::GitHub => {
                TokenAuthMethod::ClientSecretPost
            }
            _ => TokenAuthMethod::ClientSecretBasic,
        };
        let config = ProviderConfig {
            client_id: c.client_id.trim().to_owned(),
            allowed_client_ids: c.allowed_client_ids.to_vec(),
            issuer: facts.issuer,
            authorization_endpoint,
            token_endpoint,
            userinfo_endpoint,
            jwks_uri,
            scopes,
            token_endpoint_auth_method: c.token_endpoint_auth_method.unwrap_or(default_auth),
            options: c.options.clone(),
            algorithms: facts.algorithms,
            tenant: facts.extra.tenant,
            allowed_tenants: facts.extra.allowed_tenants,
            hosted_domain: facts.extra.hosted_domain,
            team_id: facts.extra.team_id,
            key_id: facts.extra.key_id,
            discovery_url: facts.extra.discovery_url,
        };
        Ok(Resolved {
            enabled: c.enabled,
            config,
            secret: self.secret(),
            apple_key: kind == ProviderKind::Apple,
        })
    }
}
