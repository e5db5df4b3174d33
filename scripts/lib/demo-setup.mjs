// What `npm run dev` registers for the demo: the dev OP's clients (the demo's redirect, the
// Worker's callback for the server-driven flow, a public id_token client for the One Tap-style
// button), a GitHub-like stand-in signed in as "octocat", and the demo project's providers.
import { startStandin } from "../../tests/support/standins.mjs";

/** The GitHub account the stand-in signs in (its verified email is alice's, so it can link). */
export const OCTOCAT = {
  id: 583231, login: "octocat", name: "The Octocat",
  emails: [{ email: "alice@example.com", primary: true, verified: true, visibility: "public" }],
};
export const ONE_TAP_CLIENT = "kith-demo-id-token";

/** The Worker's callback URL of the server-driven flow for `provider` of `projectId`. */
export const flowCallback = (workerUrl, projectId, provider) =>
  `${workerUrl}/oauth/projects/${projectId}/providers/${encodeURIComponent(provider)}/callback`;

/** The dev OP's clients. */
export function demoOpClients({ demoOrigin, workerUrl, projectId }) {
  return [
    {
      client_id: "kith-demo",
      client_secret: "kith-demo-secret",
      // The SDK's redirect back to the page, and the Worker's own callback (server-driven flow).
      redirect_uris: [`${demoOrigin}/`, flowCallback(workerUrl, projectId, "oidc:dev")],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "ES256",
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
    {
      // A public client that gets an id_token straight in the fragment, as One Tap or Sign in
      // with Apple JS hand one to a page ("native" lets oidc-provider accept http on loopback).
      client_id: ONE_TAP_CLIENT,
      application_type: "native",
      token_endpoint_auth_method: "none",
      id_token_signed_response_alg: "ES256",
      grant_types: ["implicit"],
      response_types: ["id_token"],
      redirect_uris: [`${demoOrigin}/onetap.html`],
    },
  ];
}

/** The GitHub-like stand-in, redirecting only to the demo page. */
export function startDemoGithub({ demoOrigin }) {
  return startStandin("github", { defaultLogin: { identity: OCTOCAT }, redirectUris: [`${demoOrigin}/`] });
}

/** Seeds the demo project through the admin API (`admin(path, body)` PUTs); `mailer`: its webhook. */
export async function seedDemo({ admin, op, github, mailer, demoOrigin, projectId }) {
  const discovery = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json();
  await admin(`/admin/projects/${projectId}`, {
    name: "Kith demo", allowed_origins: [demoOrigin], redirect_urls: [`${demoOrigin}/`, `${demoOrigin}/flow`], mailer,
  });
  await admin(`/admin/projects/${projectId}/providers/oidc%3Adev`, {
    client_id: "kith-demo",
    client_secret: "kith-demo-secret",
    allowed_client_ids: [ONE_TAP_CLIENT],
    issuer: discovery.issuer,
    authorization_endpoint: discovery.authorization_endpoint,
    token_endpoint: discovery.token_endpoint,
    userinfo_endpoint: discovery.userinfo_endpoint,
    jwks_uri: discovery.jwks_uri,
    scopes: ["openid", "email", "profile"],
  });
  await admin(`/admin/projects/${projectId}/providers/github`, {
    client_id: "kith-client",
    client_secret: "kith-secret",
    authorization_endpoint: `${github.origin}/login/oauth/authorize`,
    token_endpoint: `${github.origin}/login/oauth/access_token`,
    userinfo_endpoint: `${github.origin}/user`,
  });
  return { oneTap: { authorizationEndpoint: discovery.authorization_endpoint, clientId: ONE_TAP_CLIENT, provider: "oidc:dev", redirectUri: `${demoOrigin}/onetap.html` } };
}
