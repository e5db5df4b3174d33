// kith-sdk/server's caches over time, with the clock mocked (node:test MockTimers, Date only)
// and the Worker played by an in-memory fetch that counts requests: the unknown-kid refetch
// cooldown, the key set's lifetime, keys held while the Worker is down, and the session
// check's reuse window. The same module against the real Worker: tests/integration/server-verify.
import { test, mock, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, exportJWK, generateKeyPair } from "jose";

const ISSUER = "https://auth.example.com";
const PROJECT = "p-1";
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
let instances = 0;

async function key(kid) {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

/** A fake Worker: its published keys, its JWKS answer's status and headers, live sessions. */
function worker(keys) {
  const w = { keys, status: 200, cacheControl: "public, max-age=300", live: new Set(), hits: { jwks: 0, check: 0 } };
  w.fetch = async (url, init) => {
    const path = new URL(url).pathname;
    if (path === "/.well-known/jwks.json") {
      w.hits.jwks++;
      if (w.status !== 200) return new Response("down", { status: w.status });
      return Response.json({ keys: w.keys.map((k) => k.jwk) }, { headers: { "cache-control": w.cacheControl } });
    }
    if (path === "/api/auth/session/check") {
      w.hits.check++;
      return Response.json({ active: w.live.has(JSON.parse(init.body).sid) });
    }
    return new Response("", { status: 404 });
  };
  return w;
}

function token(k, { sid = "s-1", kid = k.kid } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid, email: "a@example.com", email_verified: true, roles: [], permissions: [], amr: ["social:google"] })
    .setProtectedHeader({ alg: "ES256", typ: "JWT", kid })
    .setIssuer(ISSUER).setAudience(PROJECT).setSubject("u-1").setIssuedAt(now).setExpirationTime(now + 3600)
    .sign(k.privateKey);
}

async function fresh(w) {
  const mod = await import(`../../pkg/server.js?cache-test=${++instances}`);
  return (t, options = {}) => mod.verifyAccessToken(t, { issuer: ISSUER, projectId: PROJECT, fetch: w.fetch, ...options });
}

const code = (promise) => promise.then(() => "ok", (e) => e.code);
const tick = (ms) => mock.timers.tick(ms);

beforeEach(() => mock.timers.enable({ apis: ["Date"], now: T0 }));
afterEach(() => mock.timers.reset());

test("a rotated key is seen at once; unknown kids refetch at most once per 30 s cooldown", async () => {
  const [k1, k2, stranger] = [await key("k1"), await key("k2"), await key("k3")];
  const w = worker([k1]);
  const verify = await fresh(w);
  assert.equal(await code(verify(await token(k1))), "ok");
  assert.equal(w.hits.jwks, 1);
  tick(1_000);
  w.keys = [k2, k1]; // the Worker rotates: a new first key, the old one still published
  assert.equal(await code(verify(await token(k2))), "ok", "the new kid is fetched right away");
  assert.equal(w.hits.jwks, 2);
  for (let i = 0; i < 200; i++) {
    tick(300); // 60 s of random kids
    assert.equal(await code(verify(await token(stranger, { kid: `random-${i}` }))), "invalid_token");
  }
  assert.equal(w.hits.jwks, 4, "two refetches in 60 s of unknown kids (at 31 s and 61 s): one per cooldown");
  assert.equal(await code(verify(await token(k1))), "ok");
});

test("the key set lives for the Worker's max-age, bounded to 60 s .. 24 h", async () => {
  const k1 = await key("k1");
  for (const [cacheControl, lifetime] of [["max-age=5", 60], ["public, max-age=300", 300], ["max-age=99999999", 86_400], ["no-store", 60], [null, 600]]) {
    mock.timers.reset();
    mock.timers.enable({ apis: ["Date"], now: T0 });
    const w = worker([k1]);
    w.cacheControl = cacheControl;
    const verify = await fresh(w);
    await verify(await token(k1));
    tick(lifetime * 1000 - 1_000);
    await verify(await token(k1));
    assert.equal(w.hits.jwks, 1, `${cacheControl}: still fresh`);
    tick(1_000);
    await verify(await token(k1));
    assert.equal(w.hits.jwks, 2, `${cacheControl}: stale after ${lifetime} s`);
  }
});

test("keys already held keep working while the Worker is down; a cold cache is jwks_unavailable", async () => {
  const k1 = await key("k1");
  const w = worker([k1]);
  const verify = await fresh(w);
  await verify(await token(k1));
  tick(301_000);
  w.status = 503;
  assert.equal(await code(verify(await token(k1))), "ok", "stale keys still verify");
  assert.equal(w.hits.jwks, 2);
  tick(10_000);
  assert.equal(await code(verify(await token(k1))), "ok");
  assert.equal(w.hits.jwks, 2, "the failed refresh is retried after a cooldown, not per request");
  tick(21_000);
  w.status = 200;
  assert.equal(await code(verify(await token(k1))), "ok");
  assert.equal(w.hits.jwks, 3);
  const cold = worker([k1]);
  cold.status = 500;
  assert.equal(await code((await fresh(cold))(await token(k1))), "jwks_unavailable");
});

test("checkRevoked asks the Worker once per session per 5 s", async () => {
  const k1 = await key("k1");
  const w = worker([k1]);
  w.live.add("s-1");
  w.live.add("s-2");
  const verify = await fresh(w);
  const a = await token(k1, { sid: "s-1" });
  assert.equal(await code(verify(a, { checkRevoked: true })), "ok");
  tick(4_900);
  assert.equal(await code(verify(a, { checkRevoked: true })), "ok");
  assert.equal(w.hits.check, 1, "reused within 5 s");
  assert.equal(await code(verify(await token(k1, { sid: "s-2" }), { checkRevoked: true })), "ok");
  assert.equal(w.hits.check, 2, "another session is asked on its own");
  w.live.delete("s-1");
  tick(200);
  assert.equal(await code(verify(a, { checkRevoked: true })), "session_revoked");
  assert.equal(w.hits.check, 3);
  assert.equal(await code(verify(a)), "ok", "without checkRevoked the Worker is not asked");
  assert.equal(w.hits.check, 3);
});
