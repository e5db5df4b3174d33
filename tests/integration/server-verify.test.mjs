// kith-sdk/server against tokens the real Worker issued (workerd + D1, signed in through the
// real OpenID provider): typed claims, expiry and skew, audience, issuer, unknown keys and the
// JWKS refetch cooldown (JWKS hits counted), algorithms, revocation through
// POST /api/auth/session/check, the same helper running inside a Worker in workerd, and the
// Rust check (kith-claims' example backend) on the same tokens, and the dev stack's sample API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, decodeJwt, generateKeyPair } from "jose";
import { startFixture, opClient, PROJECT } from "../support/fixture.mjs";
import { startServerWorker } from "../support/server-worker.mjs";
import { startRustExample } from "../support/rust-example.mjs";
import { startSampleApi } from "../../scripts/lib/sample-api.mjs";

let f, other, alice, issuer;
const server = new URL("../../pkg/server.js", import.meta.url).href;
let instances = 0;

/** A fresh copy of the server entry (its own caches) whose fetches are counted by path. */
async function freshServer() {
  const mod = await import(`${server}?instance=${++instances}`);
  const hits = { jwks: 0, check: 0 };
  const fetchCounted = (url, init) => {
    const path = new URL(url).pathname;
    if (path === "/.well-known/jwks.json") hits.jwks++;
    if (path === "/api/auth/session/check") hits.check++;
    return fetch(url, init);
  };
  const verify = (token, options = {}) => mod.verifyAccessToken(token, { issuer, projectId: PROJECT, fetch: fetchCounted, ...options });
  return { mod, hits, verify };
}

async function signIn(login) {
  const res = await f.login("oidc:dev", await f.signInAtOp("kith-es", login));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Rejects with the KithError `code`. */
async function refused(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, "KithError");
    assert.equal(e.code, code, e.message);
    assert.ok(e instanceof Error);
    return true;
  });
}

/** The real token's claims signed with a key the Worker's JWKS does not hold. */
async function signedByStranger(token, header = {}) {
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: "ES256", typ: "JWT", kid: "stranger", ...header }).sign(privateKey);
}

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
  await f.putProvider("oidc:dev", "kith-es");
  other = await f.createProject();
  issuer = f.worker.url;
  alice = await signIn("alice");
});

after(async () => {
  await f?.close();
});

test("a token the Worker issued verifies and yields exactly the typed claims", async () => {
  const { verify, hits } = await freshServer();
  const claims = await verify(alice.access_token);
  assert.deepEqual(Object.keys(claims).sort(), ["amr", "aud", "email", "email_verified", "exp", "iat", "iss", "permissions", "roles", "sid", "sub"]);
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, PROJECT);
  assert.equal(claims.sub, alice.user.id);
  assert.equal(claims.email, "alice@example.com");
  assert.equal(claims.email_verified, true);
  assert.deepEqual(claims.amr, ["social:oidc:dev"]);
  assert.deepEqual([claims.roles, claims.permissions], [[], []]);
  assert.equal(claims.exp, alice.expires_at);
  assert.ok(typeof claims.sid === "string" && claims.sid.length > 0);
  assert.ok(Object.isFrozen(claims));
  await verify(alice.access_token);
  assert.deepEqual(hits, { jwks: 1, check: 0 }, "the key set is cached");
});

test("an expired token is token_expired; the clock tolerance is small by default and capped", async () => {
  const { verify } = await freshServer();
  const { exp } = decodeJwt(alice.access_token);
  const at = (s) => new Date((exp + s) * 1000);
  await refused(verify(alice.access_token, { currentDate: at(6) }), "token_expired");
  await verify(alice.access_token, { currentDate: at(4) });
  await verify(alice.access_token, { currentDate: at(50), clockTolerance: 60 });
  await refused(verify(alice.access_token, { currentDate: at(0), clockTolerance: 0 }), "token_expired");
  await refused(verify(alice.access_token, { clockTolerance: 3600 }), "invalid_request");
  await refused(verify(alice.access_token, { clockTolerance: -1 }), "invalid_request");
});

test("a token issued in the future (beyond the skew) is refused", async () => {
  const { verify } = await freshServer();
  const { iat } = decodeJwt(alice.access_token);
  await refused(verify(alice.access_token, { currentDate: new Date((iat - 60) * 1000) }), "invalid_token");
});

test("a token of another project (audience) is invalid_token", async () => {
  const { verify } = await freshServer();
  await refused(verify(alice.access_token, { projectId: other }), "invalid_token");
});

test("a token checked against another issuer string is invalid_token, even when that URL serves the same keys", async () => {
  const { verify, hits } = await freshServer();
  const sameWorker = issuer.replace("127.0.0.1", "localhost");
  await refused(verify(alice.access_token, { issuer: sameWorker }), "invalid_token");
  assert.equal(hits.jwks, 1, "the keys were found; the issuer was refused");
  await refused(verify(alice.access_token, { issuer: "http://evil.example" }), "invalid_request");
});

test("an unknown kid refetches the key set once; a second unknown kid within the cooldown does not", async () => {
  const { verify, hits } = await freshServer();
  await verify(alice.access_token);
  assert.equal(hits.jwks, 1);
  await refused(verify(await signedByStranger(alice.access_token, { kid: "rotated-1" })), "invalid_token");
  assert.equal(hits.jwks, 2, "one refetch for the unknown kid");
  await refused(verify(await signedByStranger(alice.access_token, { kid: "rotated-2" })), "invalid_token");
  await refused(verify(await signedByStranger(alice.access_token, { kid: "rotated-3" })), "invalid_token");
  assert.equal(hits.jwks, 2, "no refetch within the cooldown");
  await verify(alice.access_token);
  assert.equal(hits.jwks, 2, "known keys still verify from the cache");
});

test("a key with the Worker's kid but not its key material does not verify", async () => {
  const { verify } = await freshServer();
  const { kid } = JSON.parse(Buffer.from(alice.access_token.split(".")[0], "base64url"));
  await refused(verify(await signedByStranger(alice.access_token, { kid })), "invalid_token");
});

test("concurrent verifications on a cold cache share one JWKS fetch", async () => {
  const { verify, hits } = await freshServer();
  await Promise.all(Array.from({ length: 12 }, () => verify(alice.access_token)));
  assert.equal(hits.jwks, 1);
});

test("algorithms other than ES256, embedded keys and tampered payloads are refused", async () => {
  const { verify, hits } = await freshServer();
  const [h, p, s] = alice.access_token.split(".");
  const header = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
  const { kid } = JSON.parse(Buffer.from(h, "base64url"));
  for (const alg of ["none", "None", "HS256", "RS256", "ES384", "EdDSA"]) {
    await refused(verify(`${header({ alg, typ: "JWT", kid })}.${p}.${alg.toLowerCase() === "none" ? "" : s}`), "invalid_token");
  }
  // A typ other than JWT (as kith-claims' access_token refuses): e.g. an id_token-shaped "at+jwt" header.
  await refused(verify(`${header({ alg: "ES256", typ: "at+jwt", kid })}.${p}.${s}`), "invalid_token");
  assert.equal(hits.jwks, 0, "refused before any key was fetched");
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await crypto.subtle.exportKey("jwk", publicKey);
  const embedded = await new SignJWT(decodeJwt(alice.access_token)).setProtectedHeader({ alg: "ES256", jwk }).sign(privateKey);
  await refused(verify(embedded), "invalid_token");
  const forged = Buffer.from(JSON.stringify({ ...decodeJwt(alice.access_token), sub: "someone-else" })).toString("base64url");
  await refused(verify(`${h}.${forged}.${s}`), "invalid_token");
  await refused(verify("not a token"), "invalid_token");
  await refused(verify(""), "invalid_token");
});

test("an unreachable key set is jwks_unavailable", async () => {
  const { verify } = await freshServer();
  await refused(verify(alice.access_token, { issuer: "http://127.0.0.1:9" }), "jwks_unavailable");
});

test("POST /api/auth/session/check answers active for a live session, by sid or bearer, and only in its project", async () => {
  const { sid } = decodeJwt(alice.access_token);
  const check = (pid, options) => f.api(pid, "POST", "/api/auth/session/check", options);
  assert.deepEqual((await check(PROJECT, { body: { sid } })).body, { active: true });
  assert.deepEqual((await check(PROJECT, { bearer: alice.access_token })).body, { active: true });
  assert.deepEqual((await check(other, { body: { sid } })).body, { active: false });
  assert.deepEqual((await check(PROJECT, { body: { sid: "00000000-0000-4000-8000-000000000000" } })).body, { active: false });
  const missing = await check(PROJECT, { body: {} });
  assert.equal(missing.status, 422);
  assert.equal(missing.body.error, "invalid_request");
  const both = await check(PROJECT, { body: { sid }, bearer: alice.access_token });
  assert.equal(both.body.error, "invalid_request");
  const badBearer = await check(PROJECT, { bearer: "nope" });
  assert.equal(badBearer.status, 401);
  assert.equal(badBearer.body.error, "invalid_token");
  const unknown = await f.api("5d1c4b2a-0000-4000-8000-0000000000ff", "POST", "/api/auth/session/check", { body: { sid } });
  assert.equal(unknown.body.error, "project_not_found");
});

test("checkRevoked: a globally signed-out session is session_revoked; the answer is reused briefly per session", async () => {
  const bob = await signIn("bob");
  const { verify, hits } = await freshServer();
  await verify(bob.access_token, { checkRevoked: true });
  await verify(bob.access_token, { checkRevoked: true });
  assert.equal(hits.check, 1, "the answer is cached for a few seconds");
  const out = await f.api(PROJECT, "POST", "/api/auth/logout", { body: { scope: "global" }, bearer: bob.access_token });
  assert.equal(out.status, 204);
  const after = await freshServer();
  await refused(after.verify(bob.access_token, { checkRevoked: true }), "session_revoked");
  assert.equal(after.hits.check, 1);
  const claims = await after.verify(bob.access_token);
  assert.equal(claims.sub, bob.user.id, "without checkRevoked the token is trusted until it expires");
  await new Promise((r) => setTimeout(r, 5_100));
  await refused(verify(bob.access_token, { checkRevoked: true }), "session_revoked");
  assert.equal(hits.check, 2, "after the cache window the Worker is asked again");
});

test("inside a Worker (workerd, no DOM): verifies a real token, checks revocation and maps errors", async () => {
  const w = await startServerWorker();
  try {
    const ok = await w.verify(alice.access_token, { issuer, projectId: PROJECT, checkRevoked: true });
    assert.equal(ok.error, undefined, JSON.stringify(ok.error));
    assert.equal(ok.claims.sub, alice.user.id);
    assert.deepEqual(ok.runtime, { userAgent: "Cloudflare-Workers", window: "undefined", document: "undefined", localStorage: "undefined" });
    const { exp } = decodeJwt(alice.access_token);
    const late = await w.verify(alice.access_token, { issuer, projectId: PROJECT, currentDate: (exp + 60) * 1000 });
    assert.deepEqual([late.error.code, late.error.name, late.error.isKithError], ["token_expired", "KithError", true]);
    const wrong = await w.verify(alice.access_token, { issuer, projectId: other });
    assert.equal(wrong.error.code, "invalid_token");
  } finally {
    await w.close();
  }
});

test("a Rust backend (kith-claims' verify_handler example) trusts the Worker's token and refuses others", async () => {
  const rust = await startRustExample([issuer, PROJECT]);
  try {
    const me = (token) => fetch(rust.url, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => [r.status, await r.json()]);
    const [status, body] = await me(alice.access_token);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.message, `your API saw user ${alice.user.id} (alice@example.com)`);
    assert.equal(body.claims.sid, decodeJwt(alice.access_token).sid);
    assert.deepEqual(body.claims.amr, ["social:oidc:dev"]);
    assert.equal((await me(await signedByStranger(alice.access_token)))[1].error, "no_matching_key");
    assert.equal((await me(alice.access_token.slice(0, -4) + "AAAA"))[1].error, "invalid_signature");
    assert.deepEqual((await me())[0], 401);
  } finally {
    await rust.close();
  }
  const other = await startRustExample([issuer, "5d1c4b2a-0000-4000-8000-000000000001"]);
  try {
    const r = await fetch(other.url, { headers: { authorization: `Bearer ${alice.access_token}` } });
    assert.equal((await r.json()).error, "audience_mismatch");
  } finally {
    await other.close();
  }
});

test("the dev stack's sample API answers GET /api/me for a live session, with CORS for the demo origin only", async () => {
  const origin = "http://127.0.0.1:5173";
  const api = await startSampleApi({ port: 0, issuer, projectId: PROJECT, allowedOrigin: origin });
  try {
    const get = (token, headers = {}) => fetch(api.url, { headers: { origin, ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    const ok = await get(alice.access_token);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("access-control-allow-origin"), origin);
    const body = await ok.json();
    assert.equal(body.message, `your API saw user ${alice.user.id} (alice@example.com)`);
    assert.equal(body.claims.sub, alice.user.id);
    assert.deepEqual(body.claims.amr, ["social:oidc:dev"]);
    const preflight = await fetch(api.url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization");
    const foreign = await get(alice.access_token, { origin: "http://evil.example" });
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
    const none = await get();
    assert.deepEqual([none.status, (await none.json()).error], [401, "invalid_token"]);
    const bob = await signIn("bob");
    assert.equal((await get(bob.access_token)).status, 200);
    const out = await f.api(PROJECT, "POST", "/api/auth/logout", { body: { scope: "local" }, bearer: bob.access_token });
    assert.equal(out.status, 204);
    await new Promise((r) => setTimeout(r, 5_100));
    const revoked = await get(bob.access_token);
    assert.deepEqual([revoked.status, (await revoked.json()).error], [401, "session_revoked"]);
  } finally {
    await api.close();
  }
});
