// The server-driven flow (no SDK): start → provider → callback, including Apple's
// response_mode=form_post with the first-login `user` field.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { startFixture, opClient, REDIRECT } from "../support/fixture.mjs";
import { startStandin } from "../support/standins.mjs";
import { verifyAccessToken } from "../support/jwt.mjs";

let f, apple, google, pid;
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  apple = await startStandin("apple", {
    clientId: "com.example.app", teamId: "TEAM123456", keyId: "KEY1234567",
    applePublicKey: pair.publicKey.export({ format: "pem", type: "spki" }),
  });
  google = await startStandin("google");
  pid = await f.createProject();
  await f.putProviderIn(pid, "apple", {
    client_id: "com.example.app", team_id: "TEAM123456", key_id: "KEY1234567",
    private_key: pair.privateKey.export({ format: "pem", type: "pkcs8" }),
    authorization_endpoint: `${apple.origin}/auth/authorize`, token_endpoint: `${apple.origin}/token`, jwks_uri: `${apple.origin}/jwks`,
  });
  await f.putProviderIn(pid, "google", {
    client_id: "kith-client", client_secret: "kith-secret", authorization_endpoint: `${google.origin}/auth`,
    token_endpoint: `${google.origin}/token`, jwks_uri: `${google.origin}/jwks`,
  });
});

after(async () => {
  await Promise.allSettled([f?.close(), apple?.close(), google?.close()]);
});

async function start(provider, redirectTo) {
  const q = redirectTo ? `?redirect_to=${encodeURIComponent(redirectTo)}` : "";
  const res = await fetch(`${f.worker.url}/oauth/projects/${pid}/providers/${provider}/start${q}`);
  return { status: res.status, body: await res.json() };
}

/** What the provider does after the user signs in: a code bound to the request's PKCE and nonce. */
function authorizeAt(standin, authUrl, claims) {
  const u = new URL(authUrl);
  const code = standin.code({
    claims: { nonce: u.searchParams.get("nonce"), ...claims },
    challenge: u.searchParams.get("code_challenge"),
    redirectUri: u.searchParams.get("redirect_uri"),
  });
  return { code, callback: u.searchParams.get("redirect_uri"), state: u.searchParams.get("state") };
}

const appleClaims = (extra = {}) => ({ iss: "https://appleid.apple.com", aud: "com.example.app", sub: "001.flow", email: "ada@example.com", email_verified: "true", iat: now(), exp: now() + 600, ...extra });

test("Apple form_post: the callback exchanges the code, keeps the first-login name and redirects with the session", async () => {
  const started = await start("apple", REDIRECT);
  assert.equal(started.status, 200, JSON.stringify(started.body));
  const auth = new URL(started.body.auth_url);
  assert.equal(auth.searchParams.get("response_mode"), "form_post");
  assert.equal(auth.searchParams.get("code_challenge_method"), "S256");
  assert.equal(auth.searchParams.get("state"), started.body.state);
  const { code, callback, state } = authorizeAt(apple, started.body.auth_url, appleClaims());
  const posted = await fetch(callback, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ state, code, user: JSON.stringify({ name: { firstName: "Ada", lastName: "Lovelace" }, email: "ada@example.com" }) }),
  });
  assert.equal(posted.status, 303);
  const location = new URL(posted.headers.get("location"));
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  const session = new URLSearchParams(location.hash.slice(1));
  const claims = await verifyAccessToken(session.get("access_token"), `${f.worker.url}/.well-known/jwks.json`);
  assert.equal(claims.aud, pid);
  const me = await f.api(pid, "GET", "/api/auth/user", { bearer: session.get("access_token") });
  assert.equal(me.body.name, "Ada Lovelace");

  // The same callback again: the state is spent.
  const replay = await fetch(callback, {
    method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ state, code }),
  });
  assert.equal(replay.status, 422);

  // A later sign-in without the user field keeps the name.
  const again = await start("apple", REDIRECT);
  const next = authorizeAt(apple, again.body.auth_url, appleClaims());
  const posted2 = await fetch(next.callback, {
    method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ state: next.state, code: next.code }),
  });
  const s2 = new URLSearchParams(new URL(posted2.headers.get("location")).hash.slice(1));
  assert.equal((await f.api(pid, "GET", "/api/auth/user", { bearer: s2.get("access_token") })).body.name, "Ada Lovelace");
});

test("a GET callback without redirect_to answers the JSON session", async () => {
  const started = await start("google");
  const { code, callback, state } = authorizeAt(google, started.body.auth_url, {
    iss: "https://accounts.google.com", aud: "kith-client", sub: "g-flow", email: "g@example.com", email_verified: true, iat: now(), exp: now() + 600,
  });
  const res = await fetch(`${callback}?${new URLSearchParams({ state, code })}`);
  assert.equal(res.status, 200);
  const session = await res.json();
  assert.equal(session.user.email, "g@example.com");
});

test("redirect_to must be one of the project's redirect URLs", async () => {
  const res = await start("google", "https://evil.example/steal");
  assert.equal(res.status, 422);
  assert.equal(res.body.error, "invalid_request");
});

test("a provider error or a forged token ends at redirect_to with an error code, nothing signed in", async () => {
  const started = await start("google", REDIRECT);
  const u = new URL(started.body.auth_url);
  const res = await fetch(`${u.searchParams.get("redirect_uri")}?${new URLSearchParams({ state: started.body.state, error: "access_denied" })}`, { redirect: "manual" });
  assert.equal(res.status, 303);
  assert.equal(new URL(res.headers.get("location")).hash, "#error=invalid_social_login");

  const s2 = await start("google", REDIRECT);
  const bad = authorizeAt(google, s2.body.auth_url, { iss: "https://accounts.google.com", aud: "someone-else", sub: "x", iat: now(), exp: now() + 600 });
  const r2 = await fetch(`${bad.callback}?${new URLSearchParams({ state: bad.state, code: bad.code })}`, { redirect: "manual" });
  assert.equal(new URL(r2.headers.get("location")).hash, "#error=invalid_social_login");
});
