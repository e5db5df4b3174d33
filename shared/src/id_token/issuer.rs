//! How `iss` is checked (OIDC Core 1.0 section 3.1.3.7 item 2), including Microsoft's
//! multi-tenant issuer template.

use super::IdTokenClaims;

/// Microsoft's consumer (personal account) tenant, which [`TenantPolicy::Organizations`]
/// refuses (Microsoft identity platform, "ID token claims reference", `tid`).
pub const MICROSOFT_CONSUMER_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Whether `id` looks like a Microsoft tenant or object id (hex digits and `-`, at most 64):
/// nothing else may go into an issuer URL or an identity key, so a `tid` cannot smuggle
/// path characters into the issuer it is compared with.
pub fn guid_like(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// How `iss` is checked (OIDC Core 1.0 section 3.1.3.7 item 2: "MUST exactly match").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerRule {
    /// `iss` must be exactly one of these.
    Exact(Vec<String>),
    /// Microsoft multi-tenant: `iss` must equal `template` with `{tid}` replaced by the
    /// token's own `tid` claim, and `tid` must pass `tenants` (Microsoft identity platform,
    /// "Validate the issuer" for multi-tenant applications).
    TenantTemplate {
        /// The issuer with a `{tid}` placeholder.
        template: String,
        /// Which tenants are admitted.
        tenants: TenantPolicy,
    },
}

/// Which Microsoft tenants a multi-tenant configuration admits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantPolicy {
    /// Any tenant (`common`).
    Any,
    /// Any work or school tenant, not the consumer tenant (`organizations`).
    Organizations,
    /// Only these tenant ids (`allowed_tenants`), compared case-insensitively (GUIDs).
    Only(Vec<String>),
}

impl IssuerRule {
    /// Checks `claims.iss` (and `tid` for the template).
    pub fn accepts(&self, claims: &IdTokenClaims) -> bool {
        match self {
            Self::Exact(list) => list.contains(&claims.iss),
            Self::TenantTemplate { template, tenants } => {
                let Some(tid) = claims.tid.as_deref() else {
                    return false;
                };
                // Tenant ids are GUIDs: `72F9...` and `72f9...` are one tenant, so the
                // tenant policy compares without case (a case-sensitive `!=` would let an
                // upper-case consumer tid through `organizations`). `iss` itself must still
                // equal the template filled with the token's own `tid`, exactly.
                let tenant_ok = match tenants {
                    TenantPolicy::Any => true,
                    TenantPolicy::Organizations => {
                        !tid.eq_ignore_ascii_case(MICROSOFT_CONSUMER_TENANT)
                    }
                    TenantPolicy::Only(list) => list.iter().any(|t| t.eq_ignore_ascii_case(tid)),
                };
                guid_like(tid) && tenant_ok && template.replace("{tid}", tid) == claims.iss
            }
        }
    }
}
