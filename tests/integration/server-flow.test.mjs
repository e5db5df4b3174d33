// The server-driven flow (no SDK): start → provider → callback → POST /oauth/token, bound to
// whoever started it (RFC 7636 / RFC 8252), including Apple's response_mode=form_post with
// the first-login `user` field. Written as an attacker would try it: a callback URL started
// by someone else, a replayed code, a code without its verifier, tokens in a URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { startFixture, opClient, REDIRECT } from "../support/fixture.mjs";
import { startStandin } from "../support/standins.mjs";
import { verifyAccessToken } from "../support/jwt.mjs";
import { pkcePair } from "../support/pkce.mjs";

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

async function start(provider, redirectTo, { pkce = pkcePair(), state = "app-state-1", omit = [] } = {}) {
  const q = new URLSearchParams({ code_challenge: pkce.challenge, code_challenge_method: "S256", state });
  if (redirectTo) q.set("redirect_to", redirectTo);
  for (const k of omit) q.delete(k);
  const res = await fetch(`${f.worker.url}/oauth/projects/${pid}/providers/${provider}/start?${q}`);
  return { status: res.status, body: await res.json(), pkce };
}

/** The app's back channel: the Kith code and the verifier for the session. */
async function exchange(code, verifier) {
  const res = await fetch(`${f.worker.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json", "project-id": pid },
    body: JSON.stringify({ code, code_verifier: verifier }),
  });
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

const googleClaims = (extra = {}) => ({ iss: "https://accounts.google.com", aud: "kith-client", sub: "g-flow", email: "g@example.com", email_verified: true, iat: now(), exp: now() + 600, ...extra });

/** Follows a callback (GET) without following its redirect. */
const callAt = (callback, params) => fetch(`${callback}?${new URLSearchParams(params)}`, { redirect: "manual" });

test("Apple form_post: the callback hands back a one-time code and the app's state, the verifier turns it into the session", async () => {
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
  assert.equal(location.hash, "", "nothing in a fragment");
  assert.deepEqual([...location.searchParams.keys()].sort(), ["code", "state"], "a code and the app's state, never tokens");
  assert.equal(location.searchParams.get("state"), "app-state-1");
  const session = await exchange(location.searchParams.get("code"), started.pkce.verifier);
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const claims = await verifyAccessToken(session.body.access_token, `${f.worker.url}/.well-known/jwks.json`);
  assert.equal(claims.aud, pid);
  const me = await f.api(pid, "GET", "/api/auth/user", { bearer: session.body.access_token });
  assert.equal(me.body.name, "Ada Lovelace");
  const refreshed = await f.api(pid, "POST", "/api/auth/refresh", { body: { refresh_token: session.body.refresh_token } });
  assert.equal(refreshed.status, 200, "the session's refresh token works");

  // The same callback again: the state is spent. The same code again: spent too.
  const replay = await fetch(callback, {
    method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ state, code }),
  });
  assert.equal(replay.status, 422);
  const again = await exchange(location.searchParams.get("code"), started.pkce.verifier);
  assert.equal(again.status, 400);
  assert.equal(again.body.error, "invalid_grant");

  // A later sign-in without the user field keeps the name.
  const later = await start("apple", REDIRECT);
  const next = authorizeAt(apple, later.body.auth_url, appleClaims());
  const posted2 = await fetch(next.callback, {
    method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ state: next.state, code: next.code }),
  });
  const code2 = new URL(posted2.headers.get("location")).searchParams.get("code");
  const s2 = await exchange(code2, later.pkce.verifier);
  assert.equal((await f.api(pid, "GET", "/api/auth/user", { bearer: s2.body.access_token })).body.name, "Ada Lovelace");
});

test("login CSRF: a callback URL the attacker started yields nothing to a victim without the attacker's verifier", async () => {
  // The attacker starts a flow with his own challenge and signs in as himself at the provider...
  const attacker = await start("google", REDIRECT);
  const a = authorizeAt(google, attacker.body.auth_url, googleClaims({ sub: "attacker", email: "mallory@example.com" }));
  // ...then makes the victim's browser follow the callback: the victim's app gets a code.
  const res = await callAt(a.callback, { state: a.state, code: a.code });
  assert.equal(res.status, 303);
  const victimCode = new URL(res.headers.get("location")).searchParams.get("code");
  // The victim's app holds its own verifier (or none): no session, and the code is spent.
  const victim = await exchange(victimCode, pkcePair().verifier);
  assert.equal(victim.status, 400);
  assert.equal(victim.body.error, "invalid_grant");
  assert.equal((await exchange(victimCode, attacker.pkce.verifier)).status, 400, "a refused code cannot be retried");
});

test("without a code_challenge there is no flow; only S256 is accepted", async () => {
  const none = await start("google", REDIRECT, { omit: ["code_challenge"] });
  assert.equal(none.status, 422);
  assert.equal(none.body.error, "invalid_request");
  const plain = await fetch(`${f.worker.url}/oauth/projects/${pid}/providers/google/start?${new URLSearchParams({ code_challenge: pkcePair().challenge, code_challenge_method: "plain" })}`);
  assert.equal(plain.status, 422);
});

test("a callback without redirect_to answers the code as JSON, never the session", async () => {
  const started = await start("google");
  const { code, callback, state } = authorizeAt(google, started.body.auth_url, googleClaims());
  const res = await fetch(`${callback}?${new URLSearchParams({ state, code })}`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(Object.keys(body).sort(), ["code", "state"]);
  const session = await exchange(body.code, started.pkce.verifier);
  assert.equal(session.body.user.email, "g@example.com");
});

test("redirect_to must be one of the project's redirect URLs", async () => {
  const res = await start("google", "https://evil.example/steal");
  assert.equal(res.status, 422);
  assert.equal(res.body.error, "invalid_request");
});

test("a provider error or a forged token ends at redirect_to with an error code and the app's state, nothing signed in", async () => {
  const started = await start("google", REDIRECT);
  const u = new URL(started.body.auth_url);
  const res = await callAt(u.searchParams.get("redirect_uri"), { state: started.body.state, error: "access_denied" });
  assert.equal(res.status, 303);
  const loc = new URL(res.headers.get("location"));
  assert.equal(loc.searchParams.get("error"), "invalid_social_login");
  assert.equal(loc.searchParams.get("state"), "app-state-1");
  assert.equal(loc.searchParams.get("code"), null);

  const s2 = await start("google", REDIRECT);
  const bad = authorizeAt(google, s2.body.auth_url, googleClaims({ aud: "someone-else", sub: "x" }));
  const r2 = await callAt(bad.callback, { state: bad.state, code: bad.code });
  assert.equal(new URL(r2.headers.get("location")).searchParams.get("error"), "invalid_social_login");
});
