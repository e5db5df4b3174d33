// The form_post relay (Apple through the SDK) and linking by redirect, against the real Worker
// in workerd: Apple posts code/state/user cross-site to the Worker, which answers 303 to the
// app page named in the SDK's state, only if that page is exactly allowlisted. Each
// open-redirect trick is one test, written as the attacker. Then two links of one GitHub
// account to two users at the same time: one 200, one 409, one identity in D1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { startFixture, REDIRECT, APP_ORIGIN } from "../support/fixture.mjs";
import { startStandin } from "../support/standins.mjs";
import { pkcePair, randomToken } from "../support/pkce.mjs";

let f, apple, google, github, pid, other;
const now = () => Math.floor(Date.now() / 1000);
const b64u = (s) => Buffer.from(s).toString("base64url");
/** The SDK's relay state: its random state with the app page (kith_claims::oauth::relay_state). */
const relayState = (page, random = randomToken()) => `kr1.${random}.${b64u(page)}`;
const relayUrl = (p = pid, provider = "apple") => `${f.worker.url}/oauth/projects/${p}/providers/${provider}/callback`;

before(async () => {
  f = await startFixture({ clients: [] });
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  apple = await startStandin("apple", {
    clientId: "com.example.web", teamId: "TEAM123456", keyId: "KEY1234567",
    applePublicKey: pair.publicKey.export({ format: "pem", type: "spki" }),
  });
  google = await startStandin("google");
  github = await startStandin("github");
  const appleConfig = {
    client_id: "com.example.web", team_id: "TEAM123456", key_id: "KEY1234567",
    private_key: pair.privateKey.export({ format: "pem", type: "pkcs8" }),
    authorization_endpoint: `${apple.origin}/auth/authorize`, token_endpoint: `${apple.origin}/token`, jwks_uri: `${apple.origin}/jwks`,
  };
  pid = await f.createProject({ redirect_urls: [REDIRECT, `${APP_ORIGIN}/with?x=1`, "com.example.app:/cb"] });
  other = await f.createProject({ redirect_urls: ["http://127.0.0.1:5998/other"] });
  for (const p of [pid, other]) await f.putProviderIn(p, "apple", appleConfig);
  await f.putProviderIn(pid, "google", {
    client_id: "kith-client", client_secret: "kith-secret", authorization_endpoint: `${google.origin}/auth`,
    token_endpoint: `${google.origin}/token`, jwks_uri: `${google.origin}/jwks`,
  });
  await f.putProviderIn(pid, "github", {
    client_id: "kith-client", client_secret: "kith-secret", token_endpoint: `${github.origin}/login/oauth/access_token`,
    userinfo_endpoint: `${github.origin}/user`,
  });
});

after(async () => {
  await Promise.allSettled([f?.close(), apple?.close(), google?.close(), github?.close()]);
});

/** What Apple's page does: an HTML form POST to the redirect_uri (no cookie, another site). */
const formPost = (url, fields) => fetch(url, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://appleid.apple.com" },
  body: new URLSearchParams(fields),
  redirect: "manual",
});

/** Asserts the relay refused with `code` and sent the browser nowhere. */
async function assertRefused(res, code, status = 400) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get("location"), null, "no redirect");
  assert.equal((await res.json()).error, code);
}

const relayTo = (page, extra = {}) => formPost(relayUrl(), { code: "c0de", state: relayState(page), ...extra });

test("the relay answers Apple's form_post with a 303 to the allowlisted app page carrying code, state and user as a GET", async () => {
  const state = relayState(REDIRECT);
  const user = JSON.stringify({ name: { firstName: "Ada", lastName: "Lovelace" } });
  const res = await formPost(relayUrl(), { code: "c0de", state, user });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const to = new URL(res.headers.get("location"));
  assert.equal(`${to.origin}${to.pathname}`, REDIRECT);
  assert.deepEqual(Object.fromEntries(to.searchParams), { code: "c0de", state, user });
  // A page with its own query keeps it.
  const withQuery = await relayTo(`${APP_ORIGIN}/with?x=1`);
  assert.equal(withQuery.status, 303);
  assert.match(withQuery.headers.get("location"), /^http:\/\/127\.0\.0\.1:5999\/with\?x=1&code=c0de&state=/);
  // Apple's refusal reaches the app too (the SDK reports it).
  const cancelled = await formPost(relayUrl(), { error: "user_cancelled_authorize", state });
  assert.equal(new URL(cancelled.headers.get("location")).searchParams.get("error"), "user_cancelled_authorize");
});

test("relay refuses a prefix or an extension of an allowlisted page", async () => {
  for (const page of [`${APP_ORIGIN}/call`, `${APP_ORIGIN}/callback/evil`, `${APP_ORIGIN}/callback?next=https://evil.example`, `${APP_ORIGIN}/callback/`]) {
    await assertRefused(await relayTo(page), "redirect_not_allowed");
  }
});

test("relay refuses userinfo@host", async () => {
  await assertRefused(await relayTo("http://127.0.0.1:5999@evil.example/callback"), "redirect_not_allowed");
  await assertRefused(await relayTo("http://evil.example@127.0.0.1:5999/callback"), "redirect_not_allowed");
});

test("relay refuses scheme tricks, also an allowlisted custom scheme", async () => {
  for (const page of ["javascript:alert(1)//http://127.0.0.1:5999/callback", "HTTP://127.0.0.1:5999/callback", "//127.0.0.1:5999/callback", "com.example.app:/cb"]) {
    await assertRefused(await relayTo(page), "redirect_not_allowed");
  }
});

test("relay refuses double-encoded spellings of the page", async () => {
  for (const page of [encodeURIComponent(REDIRECT), encodeURIComponent(encodeURIComponent(REDIRECT)), `${APP_ORIGIN}/%63allback`]) {
    await assertRefused(await relayTo(page), "redirect_not_allowed");
  }
});

test("relay refuses a page of another project", async () => {
  await assertRefused(await relayTo("http://127.0.0.1:5998/other"), "redirect_not_allowed");
  // ...and the other project's relay refuses this project's page.
  const res = await formPost(relayUrl(other), { code: "c0de", state: relayState(REDIRECT) });
  await assertRefused(res, "redirect_not_allowed");
});

test("relay refuses a GET, a malformed relay state, a provider without form_post and an unknown Worker state", async () => {
  const get = await fetch(`${relayUrl()}?${new URLSearchParams({ code: "c0de", state: relayState(REDIRECT) })}`, { redirect: "manual" });
  await assertRefused(get, "invalid_request", 422);
  await assertRefused(await formPost(relayUrl(), { code: "c0de", state: `kr1.short.${b64u(REDIRECT)}` }), "invalid_request", 422);
  await assertRefused(await formPost(relayUrl(pid, "github"), { code: "c0de", state: relayState(REDIRECT) }), "invalid_request", 422);
  // Not a relay state: the server-driven flow's lookup, which knows no such state.
  await assertRefused(await formPost(relayUrl(), { code: "c0de", state: randomToken() }), "invalid_request", 422);
});

test("through the relay, the app exchanges Apple's code with the relay URL as redirect_uri and the user gets the first-login name", async () => {
  const { verifier, challenge } = pkcePair();
  const nonce = randomToken();
  const claims = { iss: "https://appleid.apple.com", aud: "com.example.web", sub: "001.relay", email: "ada@example.com", email_verified: "true", iat: now(), exp: now() + 600, nonce };
  const code = apple.code({ claims, challenge, redirectUri: relayUrl() });
  const user = JSON.stringify({ name: { firstName: "Ada", lastName: "Lovelace" } });
  const relayed = await formPost(relayUrl(), { code, state: relayState(REDIRECT), user });
  const back = new URL(relayed.headers.get("location")).searchParams;
  const body = { provider: "apple", code: back.get("code"), code_verifier: verifier, redirect_uri: relayUrl(), nonce, user: back.get("user") };
  // Another project's relay is not this project's redirect_uri.
  const foreign = await f.api(pid, "POST", "/api/auth/login/social", { body: { ...body, redirect_uri: relayUrl(other) } });
  assert.equal(foreign.status, 422);
  assert.equal(foreign.body.error, "invalid_request");
  const session = await f.api(pid, "POST", "/api/auth/login/social", { body });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  assert.equal(session.body.user.name, "Ada Lovelace");
  assert.equal(session.body.user.identities[0].provider, "apple");
});

test("the relay URL is no redirect_uri for a provider without form_post", async () => {
  const { verifier, challenge } = pkcePair();
  const code = github.code({ identity: { id: 7, login: "x", emails: [] }, challenge, redirectUri: relayUrl(pid, "github") });
  const res = await f.api(pid, "POST", "/api/auth/login/social", {
    body: { provider: "github", code, code_verifier: verifier, redirect_uri: relayUrl(pid, "github") },
  });
  assert.equal(res.status, 422);
  assert.equal(res.body.error, "invalid_request");
});

async function googleUser(sub) {
  const nonce = randomToken();
  const id_token = google.idToken({ iss: "https://accounts.google.com", aud: "kith-client", sub, email: `${sub}@example.com`, email_verified: true, iat: now(), exp: now() + 600, nonce });
  const res = await f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "google", id_token, nonce } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

test("two simultaneous links of one GitHub account to two users: one 200, one 409 identity_already_linked, one identity in D1", async () => {
  const [a, b] = [await googleUser("g-race-a"), await googleUser("g-race-b")];
  const account = { id: 4242, login: "octo", emails: [{ email: "octo@example.com", primary: true, verified: true, visibility: "public" }] };
  const linkBody = () => {
    const { verifier, challenge } = pkcePair();
    const code = github.code({ identity: account, challenge, redirectUri: REDIRECT });
    return { provider: "github", code, code_verifier: verifier, redirect_uri: REDIRECT, nonce: randomToken() };
  };
  const [ra, rb] = await Promise.all([a, b].map((s) => f.api(pid, "POST", "/api/auth/identities", { body: linkBody(), bearer: s.access_token })));
  const statuses = [ra.status, rb.status].sort();
  assert.deepEqual(statuses, [200, 409], JSON.stringify([ra.body, rb.body]));
  const refused = ra.status === 409 ? ra : rb;
  assert.equal(refused.body.error, "identity_already_linked");
  const rows = await f.worker.db.prepare("SELECT user_id FROM identities WHERE project_id = ? AND provider = 'github'").bind(pid).all();
  assert.equal(rows.results.length, 1, "one identity");
  const winner = ra.status === 200 ? a : b;
  assert.equal(rows.results[0].user_id, winner.user.id);
});
