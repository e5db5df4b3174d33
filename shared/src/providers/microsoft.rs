//! Microsoft Entra ID v2.0 (Microsoft identity platform, "ID token claims reference" and
//! "Validate tokens"): a tenant-bound issuer (`{tid}` template for multi-tenant apps), the
//! account keyed by (`tid`, `oid`), and email trusted only with `xms_edov` (nOAuth).

use super::profile::{EmailTrust, Endpoints, NonceStyle, ProviderProfile, SubjectRule};
use super::Protocol;
use crate::error::{Error, ErrorCode, Result};
use crate::id_token::{
    guid_like, IssuerRule, StringBooleans, TenantPolicy, MICROSOFT_CONSUMER_TENANT,
};
use crate::jose::Alg;

const BASE: &str = "https://login.microsoftonline.com";

/// The issuer of a multi-tenant configuration (`common`, `organizations`): `{tid}` stands
/// for the token's own tenant ([`IssuerRule::TenantTemplate`]).
pub const ISSUER_TEMPLATE: &str = "https://login.microsoftonline.com/{tid}/v2.0";

impl ProviderProfile {
    /// Microsoft Entra ID v2.0 for `tenant`: a tenant id, `common`, `organizations` or
    /// `consumers`. `allowed_tenants` (non-empty) restricts multi-tenant configurations.
    pub fn microsoft(tenant: &str, allowed_tenants: &[String]) -> Result<Self> {
        Ok(Self {
            protocol: Protocol::Oidc,
            issuer: issuer_rule(tenant, allowed_tenants)?,
            algorithms: vec![Alg::Rs256],
            nonce: NonceStyle::Exact,
            email_trust: EmailTrust::MicrosoftXmsEdov,
            string_booleans: StringBooleans::Refuse,
            subject: SubjectRule::TenantAndObjectId,
            endpoints: Endpoints {
                authorization: format!("{BASE}/{tenant}/oauth2/v2.0/authorize"),
                token: format!("{BASE}/{tenant}/oauth2/v2.0/token"),
                userinfo: Some("https://graph.microsoft.com/oidc/userinfo".to_owned()),
                jwks: Some(format!("{BASE}/{tenant}/discovery/v2.0/keys")),
            },
            default_scopes: vec!["openid", "email", "profile"],
        })
    }
}

/// `allowed_tenants` as compared: trimmed and lower-cased (tenant ids are GUIDs, which
/// Microsoft writes in lower case but admins paste in any case); anything not GUID-like is
/// refused.
pub fn normalize_tenants(allowed_tenants: &[String]) -> Result<Vec<String>> {
    allowed_tenants
        .iter()
        .map(|t| {
            let t = t.trim().to_ascii_lowercase();
            if guid_like(&t) {
                Ok(t)
            } else {
                Err(Error::new(
                    ErrorCode::InvalidInput,
                    "allowed_tenants must be tenant ids (GUIDs)",
                ))
            }
        })
        .collect()
}

/// The issuer rule of a tenant setting; anything but a GUID-like id or the three keywords
/// is refused, so a tenant cannot rewrite the issuer or endpoint paths.
fn issuer_rule(tenant: &str, allowed_tenants: &[String]) -> Result<IssuerRule> {
    let template = ISSUER_TEMPLATE.to_owned();
    let allowed = normalize_tenants(allowed_tenants)?;
    let only = |fallback: TenantPolicy| {
        if allowed.is_empty() {
            fallback
        } else {
            TenantPolicy::Only(allowed.clone())
        }
    };
    Ok(match tenant {
        "common" => IssuerRule::TenantTemplate {
            template,
            tenants: only(TenantPolicy::Any),
        },
        "organizations" => IssuerRule::TenantTemplate {
            template,
            tenants: only(TenantPolicy::Organizations),
        },
        "consumers" => IssuerRule::Exact(vec![format!("{BASE}/{MICROSOFT_CONSUMER_TENANT}/v2.0")]),
        id if guid_like(id) => {
            IssuerRule::Exact(vec![format!("{BASE}/{}/v2.0", id.to_ascii_lowercase())])
        }
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "tenant must be a tenant id, \"common\", \"organizations\" or \"consumers\"",
            ))
        }
    })
}
