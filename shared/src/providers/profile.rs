//! [`ProviderProfile`]: how to believe one provider, as data read by one generic engine.

use super::{Identity, Protocol};
use crate::id_token::{
    guid_like, BoolClaim, Expectations, IdTokenClaims, IssuerRule, NonceCheck, StringBooleans,
    TypRule, DEFAULT_LEEWAY_SECS, DEFAULT_MAX_AGE_SECS,
};
use crate::jose::Alg;
use crate::verified::Verified;

/// How the id_token carries the nonce the client made (OIDC Core 1.0 section 3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceStyle {
    /// The raw nonce.
    Exact,
    /// The lowercase hex SHA-256 of the raw nonce (what Apple's SDKs are given), or the raw
    /// nonce itself; both bind the token to the same raw value.
    Sha256HexOrExact,
}

impl NonceStyle {
    /// The check for a raw nonce the client sent (`None`: the token must carry none).
    pub fn check(self, raw: Option<&str>) -> NonceCheck {
        match (self, raw) {
            (_, None) => NonceCheck::ExpectNone,
            (Self::Exact, Some(n)) => NonceCheck::Exact(n.to_owned()),
            (Self::Sha256HexOrExact, Some(n)) => NonceCheck::Sha256HexOrExact(n.to_owned()),
        }
    }
}

/// When the provider vouches that the email belongs to the user (CONTRACT "Verification and
/// linking rules", item 4): an email it does not vouch for never links accounts (nOAuth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTrust {
    /// `email_verified` is true (OIDC Core 1.0 section 5.1): a JSON `true`, or the string
    /// `"true"` only where [`ProviderProfile::string_booleans`] accepts it (Apple).
    EmailVerifiedClaim,
    /// Microsoft: only when the optional claim `xms_edov` is true (nOAuth defence); the
    /// `email_verified` claim is not used.
    MicrosoftXmsEdov,
    /// GitHub: only a `primary && verified` address from `/user/emails`.
    GithubPrimaryVerified,
    /// The provider only ever returns confirmed addresses (Facebook's Graph API).
    ConfirmedByProvider,
}

/// Which claim is the account's stable key at the provider (OIDC Core 1.0 section 5.7:
/// `iss` + `sub` is the only stable identifier; never the email).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectRule {
    /// `sub`.
    Sub,
    /// Microsoft: `{tid}:{oid}` when both are present and `oid` is GUID-like, else `sub`.
    /// `sub` is pairwise per application; `oid` is the account's id in its tenant and
    /// survives app re-registrations.
    TenantAndObjectId,
}

/// The endpoints of a provider (OpenID Connect Discovery 1.0 section 3, RFC 6749 section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Authorization endpoint (RFC 6749 section 3.1).
    pub authorization: String,
    /// Token endpoint (RFC 6749 section 3.2).
    pub token: String,
    /// UserInfo endpoint (OIDC Core 1.0 section 5.3), or the API the identity comes from.
    pub userinfo: Option<String>,
    /// JWKS document (RFC 7517 section 5), for providers with id_tokens.
    pub jwks: Option<String>,
}

/// Everything Kith needs to know to believe one provider (CONTRACT "Providers"). Built by
/// the constructors in each provider's file ([`ProviderProfile::google`], ...,
/// [`ProviderProfile::from_discovery`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderProfile {
    /// id_tokens or an API.
    pub protocol: Protocol,
    /// How `iss` is checked.
    pub issuer: IssuerRule,
    /// The signature algorithms accepted (RFC 8725 section 3.1: never the header's choice).
    pub algorithms: Vec<Alg>,
    /// How the nonce is carried.
    pub nonce: NonceStyle,
    /// When an email is vouched for.
    pub email_trust: EmailTrust,
    /// Whether `"true"` counts as true in boolean claims (`email_verified`, `xms_edov`):
    /// only Apple documents string booleans; from anyone else a string vouches for nothing.
    pub string_booleans: StringBooleans,
    /// Which claim keys the account.
    pub subject: SubjectRule,
    /// Where the provider is.
    pub endpoints: Endpoints,
    /// Scopes requested when the configuration names none.
    pub default_scopes: Vec<&'static str>,
}

impl ProviderProfile {
    /// The expectations (OIDC Core 1.0 section 3.1.3.7) this profile sets for these client
    /// ids and the raw nonce the client sent (`None`: the token must carry no nonce).
    pub fn expectations(&self, client_ids: Vec<String>, raw_nonce: Option<&str>) -> Expectations {
        Expectations {
            issuer: self.issuer.clone(),
            client_ids,
            algorithms: self.algorithms.clone(),
            nonce: self.nonce.check(raw_nonce),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            max_age_secs: DEFAULT_MAX_AGE_SECS,
            typ: TypRule::JwtOrAbsent,
            hosted_domain: None,
        }
    }

    /// Whether the verified id_token's email is vouched for by the provider.
    pub fn email_trusted(&self, claims: &IdTokenClaims) -> bool {
        if claims.email.as_deref().is_none_or(str::is_empty) {
            return false;
        }
        let yes = |claim: Option<BoolClaim>| claim.is_some_and(|b| b.is_true(self.string_booleans));
        match self.email_trust {
            EmailTrust::EmailVerifiedClaim => yes(claims.email_verified),
            EmailTrust::MicrosoftXmsEdov => yes(claims.xms_edov),
            EmailTrust::ConfirmedByProvider => true,
            // GitHub has no id_token; its trust comes from `github::identity`.
            EmailTrust::GithubPrimaryVerified => false,
        }
    }

    /// The account key of verified claims under [`ProviderProfile::subject`].
    pub fn subject_of(&self, claims: &IdTokenClaims) -> String {
        let oid = claims.oid.as_deref().filter(|o| guid_like(o));
        match (self.subject, &claims.tid, oid) {
            (SubjectRule::TenantAndObjectId, Some(tid), Some(oid)) => {
                let mut key = String::with_capacity(tid.len() + 1 + oid.len());
                key.push_str(tid);
                key.push(':');
                key.push_str(oid);
                key
            }
            _ => claims.sub.clone(),
        }
    }

    /// The account the verified claims prove, keeping the proof: subject per
    /// [`SubjectRule`], email normalized, trust per [`EmailTrust`].
    pub fn identity(&self, claims: &Verified<IdTokenClaims>) -> Verified<Identity> {
        Verified::new(Identity::new(
            self.subject_of(claims),
            claims.email.as_deref(),
            self.email_trusted(claims),
            claims.name.clone(),
            claims.picture.clone(),
        ))
    }
}
