// The code form of POST /api/auth/login/social, end to end: the real Worker in workerd with
// D1, the real oidc-provider, real PKCE, real signatures.
import { test, before, after } from "node:test";
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { startFixture, opClient, PROJECT, APP_ORIGIN, REDIRECT } from "../support/fixture.mjs";
import { startTamperingTokenEndpoint } from "../support/tamper.mjs";
import { pkcePair, randomToken } from "../support/pkce.mjs";
import { verifyAccessToken } from "../support/jwt.mjs";

let f, op, worker, tamper, signInAtOp, login, rows, assertRefusedWithoutWrites;

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256"), opClient("kith-rs", "RS256"), opClient("other-app", "ES256")] });
  ({ op, worker, signInAtOp, login, rows, assertRefusedWithoutWrites } = f);
  tamper = await startTamperingTokenEndpoint(`${op.issuer}/token`);
  await f.putProvider("oidc:es", "kith-es");
  await f.putProvider("oidc:rs", "kith-rs");
  await f.putProvider("oidc:tamper", "kith-es", { token_endpoint: tamper.url });
});

after(async () => {
  await Promise.allSettled([f?.close(), tamper?.close()]);
});

test("signs up a new user through the code flow and answers a CONTRACT session", async () => {
  const before = await rows();
  const res = await login("oidc:es", await signInAtOp("kith-es", "alice"));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const s = res.body;
  assert.equal(s.token_type, "bearer");
  assert.equal(typeof s.refresh_token, "string");
  assert.ok(s.expires_in > 0 && Math.abs(s.expires_at - (Date.now() / 1000 + s.expires_in)) < 10);
  assert.equal(s.user.email, "alice@example.com");
  assert.equal(s.user.email_verified, true);
  assert.equal(s.user.name, "Alice Example");
  assert.deepEqual(s.user.identities.map((i) => [i.provider, i.subject]), [["oidc:es", "alice"]]);
  const claims = await verifyAccessToken(s.access_token, `${worker.url}/.well-known/jwks.json`);
  assert.ok(claims, "access token verifies against /.well-known/jwks.json");
  assert.equal(claims.sub, s.user.id);
  assert.equal(claims.aud, PROJECT);
  assert.deepEqual(claims.amr, ["social:oidc:es"]);
  const after = await rows();
  assert.deepEqual(after, { users: before.users + 1, identities: before.identities + 1, sessions: before.sessions + 1 });
  const stored = await worker.db.prepare("SELECT refresh_hash FROM sessions WHERE refresh_hash IS NOT NULL").all();
  const hash = createHash("sha256").update(s.refresh_token).digest("hex");
  assert.ok(stored.results.some((r) => r.refresh_hash === hash), "the session holds the token's SHA-256");
  assert.ok(stored.results.every((r) => r.refresh_hash !== s.refresh_token), "refresh token is stored only as a hash");
});

test("a second login of the same account signs in the same user", async () => {
  const first = await login("oidc:es", await signInAtOp("kith-es", "bob"));
  const second = await login("oidc:es", await signInAtOp("kith-es", "bob"));
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  assert.equal(second.body.user.id, first.body.user.id);
  assert.notEqual(second.body.refresh_token, first.body.refresh_token);
  const users = await worker.db.prepare("SELECT count(*) AS n FROM users WHERE email = 'bob@example.com'").first();
  assert.equal(users.n, 1);
});

test("verifies RS256 id_tokens too, and links the same verified email to the same user", async () => {
  const es = await login("oidc:es", await signInAtOp("kith-es", "alice"));
  const res = await login("oidc:rs", await signInAtOp("kith-rs", "alice"));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.user.id, es.body.user.id);
  assert.deepEqual(res.body.user.identities.map((i) => i.provider).sort(), ["oidc:es", "oidc:rs"]);
});

test("refuses a tampered id_token signature with 401 and writes nothing", async () => {
  tamper.set((t) => {
    const [h, p, s] = t.split(".");
    const sig = Buffer.from(s, "base64url");
    sig[5] ^= 0x01;
    return `${h}.${p}.${sig.toString("base64url")}`;
  });
  try {
    await assertRefusedWithoutWrites("oidc:tamper", await signInAtOp("kith-es", "alice-unverified"));
  } finally {
    tamper.set((t) => t);
  }
});

test("refuses a payload swapped under a genuine signature", async () => {
  tamper.set((t) => {
    const [h, p, s] = t.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url"));
    claims.sub = "bob";
    return `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
  });
  try {
    await assertRefusedWithoutWrites("oidc:tamper", await signInAtOp("kith-es", "alice-unverified"));
  } finally {
    tamper.set((t) => t);
  }
});

test("refuses an id_token whose nonce differs from the sign-in's with 401 and writes nothing", async () => {
  const body = await signInAtOp("kith-es", "alice-unverified");
  await assertRefusedWithoutWrites("oidc:es", { ...body, nonce: randomToken() });
});

test("refuses a genuine id_token issued to another client (wrong audience) with 401 and writes nothing", async () => {
  const nonce = randomToken();
  // A real token from the same OP, for other-app, with the same nonce.
  const other = await signInAtOp("other-app", "alice-unverified", nonce);
  const exchange = await fetch(`${op.issuer}/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from("other-app:other-app-secret").toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code: other.code, redirect_uri: REDIRECT, code_verifier: other.code_verifier }),
  });
  const foreign = (await exchange.json()).id_token;
  assert.equal(JSON.parse(Buffer.from(foreign.split(".")[1], "base64url")).aud, "other-app");
  tamper.set(() => foreign);
  try {
    await assertRefusedWithoutWrites("oidc:tamper", await signInAtOp("kith-es", "alice-unverified", nonce));
  } finally {
    tamper.set((t) => t);
  }
});

test("refuses a replayed authorization code with 401", async () => {
  const body = await signInAtOp("kith-es", "alice");
  assert.equal((await login("oidc:es", body)).status, 200);
  await assertRefusedWithoutWrites("oidc:es", body);
});

test("refuses a wrong PKCE verifier with 401", async () => {
  const body = await signInAtOp("kith-es", "alice");
  await assertRefusedWithoutWrites("oidc:es", { ...body, code_verifier: pkcePair().verifier });
});

test("answers 404 project_not_found for an unknown project", async () => {
  const res = await login("oidc:es", {}, { "project-id": "11111111-2222-4333-8444-555555555555" });
  assert.equal(res.status, 404);
  assert.equal(res.body.error, "project_not_found");
});

test("answers 422 provider_not_enabled for an unknown provider", async () => {
  await assertRefusedWithoutWrites("oidc:nope", await signInAtOp("kith-es", "alice"), "provider_not_enabled", 422);
});

test("answers 422 invalid_request for a redirect_uri outside the project's list or a malformed body", async () => {
  const body = await signInAtOp("kith-es", "alice");
  await assertRefusedWithoutWrites("oidc:es", { ...body, redirect_uri: "http://127.0.0.1:5999/elsewhere" }, "invalid_request", 422);
  await assertRefusedWithoutWrites("oidc:es", { ...body, code_verifier: "short" }, "invalid_request", 422);
  const res = await fetch(`${worker.url}/api/auth/login/social`, {
    method: "POST", headers: { "project-id": PROJECT }, body: "{not json",
  });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).error, "invalid_request");
});

test("lists the enabled providers with public facts only", async () => {
  const res = await fetch(`${worker.url}/api/auth/providers`, { headers: { "project-id": PROJECT } });
  assert.equal(res.status, 200);
  const { providers } = await res.json();
  const es = providers.find((p) => p.provider === "oidc:es");
  assert.equal(es.client_id, "kith-es");
  assert.equal(es.authorization_endpoint, `${op.issuer}/auth`);
  assert.ok(!JSON.stringify(providers).includes("secret"), "no secret in the public listing");
  const stored = await worker.db.prepare("SELECT client_secret_enc FROM providers WHERE provider = 'oidc:es'").first();
  assert.ok(stored.client_secret_enc && !stored.client_secret_enc.includes("kith-es-secret"), "client secret sealed at rest");
});

test("answers CORS only for the project's allowed origins", async () => {
  const pre = await fetch(`${worker.url}/api/auth/login/social`, {
    method: "OPTIONS",
    headers: { origin: APP_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type,project-id" },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), APP_ORIGIN);
  assert.match(pre.headers.get("access-control-allow-headers"), /project-id/);
  const ok = await fetch(`${worker.url}/api/auth/providers`, { headers: { "project-id": PROJECT, origin: APP_ORIGIN } });
  assert.equal(ok.headers.get("access-control-allow-origin"), APP_ORIGIN);
  const foreign = await fetch(`${worker.url}/api/auth/providers`, { headers: { "project-id": PROJECT, origin: "https://evil.example" } });
  assert.equal(foreign.status, 403);
  assert.equal((await foreign.json()).error, "origin_not_allowed");
  assert.equal(foreign.headers.get("access-control-allow-origin"), null, "a foreign page cannot read the answer");
  // A preflight from a foreign origin is not answered with that origin allowed.
  const foreignPre = await fetch(`${worker.url}/api/auth/login/social`, {
    method: "OPTIONS",
    headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,project-id" },
  });
  assert.equal(foreignPre.headers.get("access-control-allow-origin"), null);
  assert.equal(foreignPre.headers.get("access-control-allow-headers"), null);
});

test("admin API refuses a wrong token and invalid provider settings", async () => {
  const wrong = await fetch(`${worker.url}/admin/projects/${PROJECT}`, {
    method: "PUT", headers: { authorization: "Bearer nope" }, body: "{}",
  });
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).error, "unauthorized");
  const bad = await worker.admin("PUT", `/admin/projects/${PROJECT}/providers/oidc%3Abad`, {
    client_id: "x", issuer: op.issuer, authorization_endpoint: `${op.issuer}/auth`, token_endpoint: `${op.issuer}/token`,
    jwks_uri: `${op.issuer}/jwks`, options: { verify_email: true, use_email_as_identifier: false },
  });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error, "invalid_request");
  const plainHttp = await worker.admin("PUT", `/admin/projects/${PROJECT}/providers/oidc%3Abad`, {
    client_id: "x", issuer: "http://op.example", authorization_endpoint: "http://op.example/auth", token_endpoint: "http://op.example/token",
    jwks_uri: "http://op.example/jwks",
  });
  assert.equal(plainHttp.status, 422);
});
