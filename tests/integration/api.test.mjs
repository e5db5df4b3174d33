// The sign-in and session API of CONTRACT.md in real workerd with D1: every status of the
// sign-in table, replay protection, forged tokens, concurrency, refresh rotation, logout,
// the user endpoint and the admin users API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startFixture, opClient } from "../support/fixture.mjs";
import { startForge } from "../support/forge.mjs";
import { verifyAccessToken } from "../support/jwt.mjs";
import { randomToken } from "../support/pkce.mjs";

let f, forge;

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
  forge = await startForge();
});

after(async () => {
  await Promise.allSettled([f?.close(), forge?.close()]);
});

/** A project whose provider `oidc:forge` trusts the forge issuer for audience "app". */
async function forgeProject(extra = {}, options = {}) {
  const pid = await f.createProject(extra);
  await f.putProviderIn(pid, "oidc:forge", forge.provider("app", { options }));
  return pid;
}

const idTokenLogin = (pid, token, nonce) =>
  f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "oidc:forge", id_token: token, ...(nonce ? { nonce } : {}) } });

async function counts(pid) {
  return { users: await f.countIn(pid, "users"), sessions: await f.countIn(pid, "sessions") };
}

test("the id_token form signs in with a valid token and its nonce", async () => {
  const pid = await forgeProject();
  const nonce = randomToken();
  const res = await idTokenLogin(pid, forge.token({ aud: "app", nonce, claims: { email: "f@example.com", email_verified: true } }), nonce);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.user.email, "f@example.com");
  const claims = await verifyAccessToken(res.body.access_token, `${f.worker.url}/.well-known/jwks.json`);
  assert.deepEqual(claims.amr, ["social:oidc:forge"]);
  assert.equal(claims.aud, pid);
});

test("a replayed id_token is refused with 401 and writes nothing", async () => {
  const pid = await forgeProject();
  const token = forge.token({ aud: "app" });
  assert.equal((await idTokenLogin(pid, token)).status, 200);
  const before = await counts(pid);
  const again = await idTokenLogin(pid, token);
  assert.equal(again.status, 401);
  assert.equal(again.body.error, "invalid_social_login");
  assert.deepEqual(await counts(pid), before);
});

test("a nonce is single-use across tokens", async () => {
  const pid = await forgeProject();
  const nonce = randomToken();
  assert.equal((await idTokenLogin(pid, forge.token({ aud: "app", nonce }), nonce)).status, 200);
  const second = await idTokenLogin(pid, forge.token({ aud: "app", nonce, sub: "other" }), nonce);
  assert.equal(second.status, 401);
});

for (const [name, make] of [
  ["an expired token", () => forge.token({ aud: "app", claims: { exp: Math.floor(Date.now() / 1000) - 120 } })],
  ["a token for another audience", () => forge.token({ aud: "someone-else" })],
  ["a token with a tampered payload", () => {
    const [h, , s] = forge.token({ aud: "app" }).split(".");
    return `${h}.${Buffer.from(JSON.stringify({ iss: forge.issuer, sub: "admin", aud: "app", iat: 1, exp: 9999999999 })).toString("base64url")}.${s}`;
  }],
  ["a token with alg none", () => {
    const [, p] = forge.token({ aud: "app" }).split(".");
    return `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
  }],
  ["a token carrying a nonce when none was sent", () => forge.token({ aud: "app", nonce: "unexpected" })],
  ["a token from another issuer", () => forge.token({ aud: "app", claims: { iss: "https://evil.example" } })],
]) {
  test(`refuses ${name} with 401 invalid_social_login and zero rows written`, async () => {
    const pid = await forgeProject();
    const res = await idTokenLogin(pid, make());
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error, "invalid_social_login");
    assert.deepEqual(await counts(pid), { users: 0, sessions: 0 });
  });
}

test("403 signup_disabled when the project closes self-registration, 403 sign_in_disabled for a connect-only provider", async () => {
  const closed = await forgeProject({ self_registration: false });
  const res = await idTokenLogin(closed, forge.token({ aud: "app" }));
  assert.equal(res.status, 403);
  assert.equal(res.body.error, "signup_disabled");
  const connectOnly = await forgeProject({}, { sign_in_enabled: false });
  const res2 = await idTokenLogin(connectOnly, forge.token({ aud: "app" }));
  assert.equal(res2.status, 403);
  assert.equal(res2.body.error, "sign_in_disabled");
  assert.deepEqual(await counts(closed), { users: 0, sessions: 0 });
});

test("409 email_in_use and 403 email_verification_required with a verification_token", async () => {
  const pid = await forgeProject();
  const owner = forge.token({ aud: "app", sub: "owner", claims: { email: "o@example.com", email_verified: true } });
  assert.equal((await idTokenLogin(pid, owner)).status, 200);
  const squat = forge.token({ aud: "app", sub: "squatter", claims: { email: "O@example.com", email_verified: false } });
  const res = await idTokenLogin(pid, squat);
  assert.equal(res.status, 409);
  assert.equal(res.body.error, "email_in_use");
  await f.putProviderIn(pid, "oidc:forge", forge.provider("app", { options: { verify_email: true } }));
  const res2 = await idTokenLogin(pid, forge.token({ aud: "app", sub: "squatter", claims: { email: "o@example.com", email_verified: false } }));
  assert.equal(res2.status, 403);
  assert.equal(res2.body.error, "email_verification_required");
  assert.equal(typeof res2.body.verification_token, "string");
  assert.equal(await f.countIn(pid, "users"), 1);
});

test("422 provider_not_enabled for a disabled provider and invalid_request for a body with both forms", async () => {
  const pid = await forgeProject();
  await f.putProviderIn(pid, "oidc:off", forge.provider("app", { enabled: false }));
  const off = await f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "oidc:off", id_token: forge.token({ aud: "app" }) } });
  assert.equal(off.status, 422);
  assert.equal(off.body.error, "provider_not_enabled");
  const both = await f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "oidc:forge", id_token: "a.b.c", code: "x" } });
  assert.equal(both.status, 422);
  assert.equal(both.body.error, "invalid_request");
  const long = await f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "oidc:forge", id_token: "a.b.c", nonce: "n".repeat(256) } });
  assert.equal(long.status, 422);
});

test("429 rate_limited after the project's sign-in limit per minute", async () => {
  const pid = await forgeProject({ settings: { sign_in_per_minute: 3, refresh_per_minute: 3 } });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await idTokenLogin(pid, forge.token({ aud: "app" }))).status);
  // The minute window may roll over during the loop; at least one request must be limited.
  assert.ok(statuses.includes(429), statuses.join(","));
  const limited = await idTokenLogin(pid, forge.token({ aud: "app" }));
  if (limited.status === 429) assert.equal(limited.body.error, "rate_limited");
});

test("oversized bodies are refused, by Content-Length or while a chunked body streams", async () => {
  const pid = await forgeProject();
  const big = JSON.stringify({ provider: "oidc:forge", id_token: "x".repeat(100 * 1024) });
  const declared = await fetch(`${f.worker.url}/api/auth/login/social`, {
    method: "POST", headers: { "content-type": "application/json", "project-id": pid }, body: big,
  });
  assert.equal(declared.status, 422);
  assert.equal((await declared.json()).error, "invalid_request");
  // A chunked form_post (no Content-Length) to the unauthenticated callback: the Worker stops
  // reading at 64 KiB and answers, while the client is still sending.
  const streamed = await chunkedPost(`${f.worker.url}/oauth/projects/${pid}/providers/oidc%3Aforge/callback`, 40 * 4096);
  assert.equal(streamed.status, 422, "the unauthenticated form_post is capped too");
  assert.equal(JSON.parse(streamed.body).error, "invalid_request");
  assert.ok(streamed.sent < 40 * 4096, `answered before the whole body was sent (${streamed.sent} bytes)`);
});

/** POSTs `total` bytes chunked, 4 KiB at a time, until the answer arrives. */
function chunkedPost(url, total) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" } }, (res) => {
      answered = true;
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => { req.destroy(); resolve({ status: res.statusCode, body, sent }); });
    });
    req.on("error", (e) => { if (!answered) reject(e); });
    const pump = () => {
      if (answered || sent >= total) return sent >= total ? req.end() : undefined;
      req.write("a".repeat(4096));
      sent += 4096;
      setTimeout(pump, 5);
    };
    pump();
  });
}

test("the public providers list has a per-IP budget too (every unauthenticated route does)", async () => {
  const pid = await forgeProject({ settings: { sign_in_per_minute: 3, refresh_per_minute: 3 } });
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await f.api(pid, "GET", "/api/auth/providers")).status);
  // The minute window may roll over during the loop; at least one request must be limited.
  assert.ok(statuses.includes(429), statuses.join(","));
});

test("a foreign page cannot spend the sign-in budget of a shared IP", async () => {
  const pid = await forgeProject({ settings: { sign_in_per_minute: 3, refresh_per_minute: 3 } });
  const body = { provider: "oidc:forge", id_token: forge.token({ aud: "app" }) };
  for (let i = 0; i < 6; i++) {
    const foreign = await f.api(pid, "POST", "/api/auth/login/social", { body, headers: { origin: "https://evil.example" } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error, "origin_not_allowed");
  }
  const own = await idTokenLogin(pid, forge.token({ aud: "app" }));
  assert.equal(own.status, 200, "the budget is untouched");
});

test("50 simultaneous first logins of one new account create exactly one user and one identity", async () => {
  const pid = await forgeProject();
  const tokens = Array.from({ length: 50 }, () => forge.token({ aud: "app", sub: "crowd", claims: { email: "crowd@example.com", email_verified: true } }));
  const answers = await Promise.all(tokens.map((t) => idTokenLogin(pid, t)));
  assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], JSON.stringify(answers.find((a) => a.status !== 200)?.body));
  assert.equal(new Set(answers.map((a) => a.body.user.id)).size, 1);
  assert.equal(await f.countIn(pid, "users"), 1);
  assert.equal(await f.countIn(pid, "identities"), 1);
  assert.equal(await f.countIn(pid, "sessions"), 50);
});

test("50 simultaneous refreshes with one token inside the grace all get the same successor; after the grace the family is revoked", async () => {
  const pid = await forgeProject({ settings: { sign_in_per_minute: 10000, refresh_per_minute: 10000, refresh_grace_secs: 2 } });
  const session = (await idTokenLogin(pid, forge.token({ aud: "app", sub: "tabs" }))).body;
  const answers = await Promise.all(
    Array.from({ length: 50 }, () => f.api(pid, "POST", "/api/auth/refresh", { body: { refresh_token: session.refresh_token } })),
  );
  assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], JSON.stringify(answers.find((a) => a.status !== 200)?.body));
  const successors = new Set(answers.map((a) => a.body.refresh_token));
  assert.equal(successors.size, 1, "one successor");
  assert.notEqual([...successors][0], session.refresh_token);
  assert.equal(answers[0].body.user.id, session.user.id);

  await new Promise((r) => setTimeout(r, 3200));
  const reuse = await f.api(pid, "POST", "/api/auth/refresh", { body: { refresh_token: session.refresh_token } });
  assert.equal(reuse.status, 401);
  assert.equal(reuse.body.error, "invalid_refresh_token");
  const successor = await f.api(pid, "POST", "/api/auth/refresh", { body: { refresh_token: [...successors][0] } });
  assert.equal(successor.status, 401, "the whole family is revoked");
  const user = await f.api(pid, "GET", "/api/auth/user", { bearer: answers[0].body.access_token });
  assert.equal(user.status, 401);
});

test("GET /api/auth/user, local and global logout", async () => {
  const pid = await forgeProject();
  const a = (await idTokenLogin(pid, forge.token({ aud: "app", sub: "me" }))).body;
  const b = (await idTokenLogin(pid, forge.token({ aud: "app", sub: "me" }))).body;
  const me = await f.api(pid, "GET", "/api/auth/user", { bearer: a.access_token });
  assert.equal(me.status, 200);
  assert.equal(me.body.id, a.user.id);
  assert.equal((await f.api(pid, "GET", "/api/auth/user")).status, 401);
  assert.equal((await f.api(pid, "GET", "/api/auth/user", { bearer: "x.y.z" })).body.error, "invalid_token");

  assert.equal((await f.api(pid, "POST", "/api/auth/logout", { bearer: a.access_token, body: { scope: "local" } })).status, 204);
  assert.equal((await f.api(pid, "GET", "/api/auth/user", { bearer: a.access_token })).status, 401);
  assert.equal((await f.api(pid, "GET", "/api/auth/user", { bearer: b.access_token })).status, 200);
  assert.equal((await f.api(pid, "POST", "/api/auth/refresh", { body: { refresh_token: a.refresh_token } })).status, 401);

  const c = (await idTokenLogin(pid, forge.token({ aud: "app", sub: "me" }))).body;
  assert.equal((await f.api(pid, "POST", "/api/auth/logout", { bearer: c.access_token, body: { scope: "global" } })).status, 204);
  assert.equal((await f.api(pid, "GET", "/api/auth/user", { bearer: b.access_token })).status, 401);
  assert.equal((await f.api(pid, "POST", "/api/auth/refresh", { body: { refresh_token: b.refresh_token } })).status, 401);
});

test("an access token of one project is refused by another", async () => {
  const p1 = await forgeProject();
  const p2 = await forgeProject();
  const s = (await idTokenLogin(p1, forge.token({ aud: "app" }))).body;
  assert.equal((await f.api(p2, "GET", "/api/auth/user", { bearer: s.access_token })).status, 401);
});

test("admin users API: find by email, roles into the next token, revoke sessions, delete", async () => {
  const pid = await forgeProject();
  const s = (await idTokenLogin(pid, forge.token({ aud: "app", sub: "adm", claims: { email: "Adm@Example.com", email_verified: true } }))).body;
  const found = await f.worker.admin("GET", `/admin/projects/${pid}/users?email=adm%40example.com`);
  assert.equal(found.status, 200);
  assert.deepEqual(found.body.users.map((u) => u.id), [s.user.id]);
  const roles = await f.worker.admin("PUT", `/admin/projects/${pid}/users/${s.user.id}/roles`, { roles: ["admin"] });
  assert.deepEqual(roles.body.roles, ["admin"]);
  const refreshed = await f.api(pid, "POST", "/api/auth/refresh", { body: { refresh_token: s.refresh_token } });
  const claims = await verifyAccessToken(refreshed.body.access_token, `${f.worker.url}/.well-known/jwks.json`);
  assert.deepEqual(claims.roles, ["admin"]);
  const revoked = await f.worker.admin("POST", `/admin/projects/${pid}/users/${s.user.id}/revoke-sessions`);
  assert.equal(revoked.body.revoked, 1);
  assert.equal((await f.api(pid, "GET", "/api/auth/user", { bearer: refreshed.body.access_token })).status, 401);
  assert.equal((await f.worker.admin("DELETE", `/admin/projects/${pid}/users/${s.user.id}`)).status, 204);
  assert.equal((await f.worker.admin("DELETE", `/admin/projects/${pid}/users/${s.user.id}`)).status, 404);
  assert.equal(await f.countIn(pid, "users"), 0);
  assert.equal(await f.countIn(pid, "identities"), 0);
  const again = (await idTokenLogin(pid, forge.token({ aud: "app", sub: "adm" }))).body;
  assert.notEqual(again.user.id, s.user.id);
});

test("admin reads the project and its providers without secrets", async () => {
  const pid = await forgeProject();
  await f.putProviderIn(pid, "oidc:secret", { ...forge.provider("app"), client_secret: "s3cr3t-value" });
  const project = await f.worker.admin("GET", `/admin/projects/${pid}`);
  assert.equal(project.status, 200);
  assert.equal(project.body.id, pid);
  const providers = await f.worker.admin("GET", `/admin/projects/${pid}/providers`);
  assert.equal(providers.status, 200);
  assert.ok(!JSON.stringify(providers.body).includes("s3cr3t"));
  assert.equal(providers.body.providers.find((p) => p.provider === "oidc:secret").has_client_secret, true);
  assert.equal((await f.worker.admin("GET", "/admin/projects/11111111-2222-4333-8444-555555555555")).status, 404);
});

test("200 tokens with random unknown kids cause at most one JWKS refetch per cooldown", async () => {
  const pid = await forgeProject();
  assert.equal((await idTokenLogin(pid, forge.token({ aud: "app" }))).status, 200);
  const before = forge.jwksHits;
  const answers = await Promise.all(
    Array.from({ length: 200 }, () => idTokenLogin(pid, forge.token({ aud: "app", header: { kid: randomToken() } }))),
  );
  assert.ok(answers.every((a) => a.status === 401));
  assert.ok(forge.jwksHits - before <= 1, `${forge.jwksHits - before} refetches`);
});
