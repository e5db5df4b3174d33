// PKCE, state and nonce for tests that play the client without the SDK.
import { createHash, randomBytes } from "node:crypto";

export function pkcePair() {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

export const randomToken = () => randomBytes(32).toString("base64url");

export function authorizationUrl({ issuer, clientId, redirectUri, state, nonce, challenge, scope = "openid email profile" }) {
  const u = new URL(`${issuer}/auth`);
  u.search = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  return u.href;
}
