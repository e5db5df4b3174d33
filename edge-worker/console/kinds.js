// Each provider kind's own fields and help (the typed admin bodies of
// edge-worker/src/domain/provider_settings/). `secret`: write-only, sent only when typed.

const clientSecret = { key: "client_secret", label: "Client secret", type: "secret", help: "Write-only: stored sealed, never shown again. Leave empty to keep the stored one." };

export const KINDS = {
  google: {
    label: "Google",
    help: "An OAuth client of type “Web application” in the Google Cloud console. One Tap and native id_tokens are accepted for the client id and the allowed client ids.",
    fields: [clientSecret, { key: "hosted_domain", label: "Hosted domain (hd)", help: "Only accounts of this Google Workspace domain, checked on the verified token. Empty: any account." }],
  },
  apple: {
    label: "Apple",
    help: "Sign in with Apple: the client id is the Services ID (web) or the bundle id (native). The client secret is minted by the Worker from the team's key.",
    fields: [
      { key: "team_id", label: "Team id", help: "The 10-character Apple developer team id." },
      { key: "key_id", label: "Key id", help: "The id of the Sign in with Apple key (.p8)." },
      { key: "private_key", label: "Private key (.p8, PEM)", type: "secret", multiline: true, help: "Write-only: the contents of AuthKey_<key id>.p8, stored sealed. Leave empty to keep the stored one." },
    ],
  },
  microsoft: {
    label: "Microsoft",
    help: "An app registration in Microsoft Entra ID. The email is trusted only when the token says the domain is verified (xms_edov).",
    fields: [
      clientSecret,
      { key: "tenant", label: "Tenant", required: true, help: "A tenant id (GUID), or common, organizations or consumers." },
      { key: "allowed_tenants", label: "Allowed tenants (one per line)", type: "list", help: "Multi-tenant apps: only these tenant ids may sign in. Empty: as the tenant says." },
    ],
  },
  github: {
    label: "GitHub",
    help: "A GitHub OAuth app (OAuth 2.0, not OIDC): the account is read from /user and /user/emails; only a primary, verified email is trusted.",
    fields: [clientSecret],
  },
  facebook: {
    label: "Facebook",
    help: "A Meta app with Facebook Login: the account is read from Graph /me with appsecret_proof; Limited Login id_tokens are accepted too.",
    fields: [clientSecret],
  },
  okta: {
    label: "Okta",
    help: "An Okta OIDC web app. Endpoints and algorithms come from the issuer's discovery document.",
    fields: [
      clientSecret,
      { key: "issuer", label: "Issuer", required: true, help: "e.g. https://example.okta.com/oauth2/default (exact)." },
      { key: "discovery_url", label: "Discovery URL", help: "Empty: <issuer>/.well-known/openid-configuration." },
    ],
  },
  oidc: {
    label: "Custom OIDC (discovery)",
    custom: true,
    help: "Any OpenID Provider, configured from its discovery document (or explicit endpoints under Advanced). Its name is oidc:<name>.",
    fields: [
      clientSecret,
      { key: "issuer", label: "Issuer", required: true, help: "The provider's exact issuer URL (https, or http on loopback for local tests)." },
      { key: "discovery_url", label: "Discovery URL", help: "Empty: <issuer>/.well-known/openid-configuration (unless all three endpoints are given under Advanced)." },
    ],
  },
};

/** The kind of a provider name: `oidc:<name>` is a custom OIDC provider. */
export const kindOf = (name) => (name.startsWith("oidc:") ? "oidc" : name);

export const OPTIONS = [
  ["use_email_as_identifier", "Use the email as an identifier", "Link accounts with the same email (when the provider vouches for it)."],
  ["allow_email_account_merge", "Allow merging by email", "A vouched email may join an existing user of another provider."],
  ["verify_email", "Verify unvouched emails by code", "Ask for a one-time code when the provider does not vouch for the email (needs “use the email as an identifier”)."],
  ["sign_up_enabled", "Sign-up enabled", "New users may be created through this provider."],
  ["sign_in_enabled", "Sign-in enabled", "Off: connect-only (link to a signed-in user)."],
  ["expose_tokens_to_client", "Expose the provider's tokens to the app", "The signed-in user's app may read this provider's own access token (GET /api/auth/identities/{provider}/token). Off by default."],
];

export const ENDPOINTS = [
  ["authorization_endpoint", "Authorization endpoint"],
  ["token_endpoint", "Token endpoint"],
  ["userinfo_endpoint", "Userinfo / user API endpoint"],
  ["jwks_uri", "JWKS URI"],
];
