// Linking and unlinking provider accounts (CONTRACT "Identities") in real workerd with D1:
// `POST /api/auth/identities` proves an account exactly as a sign-in does, then attaches it to
// the bearer's user; `DELETE /api/auth/identities/{provider}` never removes the last one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFixture } from "../support/fixture.mjs";
import { startForge } from "../support/forge.mjs";

let f, work, home;

before(async () => {
  f = await startFixture({ clients: [] });
  // Two independent issuers stand for two providers.
  [work, home] = await Promise.all([startForge(), startForge()]);
});

after(async () => {
  await Promise.allSettled([f?.close(), work?.close(), home?.close()]);
});

async function project() {
  const pid = await f.createProject();
  await f.putProviderIn(pid, "oidc:work", work.provider("app"));
  await f.putProviderIn(pid, "oidc:home", home.provider("app"));
  return pid;
}

const signIn = async (pid, provider, issuer, sub) => {
  const res = await f.api(pid, "POST", "/api/auth/login/social", { body: { provider, id_token: issuer.token({ aud: "app", sub }) } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
const link = (pid, session, provider, idToken) =>
  f.api(pid, "POST", "/api/auth/identities", { bearer: session.access_token, body: { provider, id_token: idToken } });
const unlink = (pid, session, provider) =>
  f.api(pid, "DELETE", `/api/auth/identities/${encodeURIComponent(provider)}`, { bearer: session.access_token });
const providers = (user) => user.identities.map((i) => i.provider).sort();

test("a signed-in user links a second provider account and then signs in with it", async () => {
  const pid = await project();
  const s = await signIn(pid, "oidc:work", work, "w-1");
  const res = await link(pid, s, "oidc:home", home.token({ aud: "app", sub: "h-1" }));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.id, s.user.id);
  assert.deepEqual(providers(res.body), ["oidc:home", "oidc:work"]);
  const me = await f.api(pid, "GET", "/api/auth/user", { bearer: s.access_token });
  assert.deepEqual(providers(me.body), ["oidc:home", "oidc:work"]);
  const viaHome = await signIn(pid, "oidc:home", home, "h-1");
  assert.equal(viaHome.user.id, s.user.id);
  assert.equal(await f.countIn(pid, "users"), 1);
});

test("an account that belongs to another user is refused with 409 and nothing moves", async () => {
  const pid = await project();
  const a = await signIn(pid, "oidc:work", work, "w-a");
  const b = await signIn(pid, "oidc:home", home, "h-b");
  const res = await link(pid, a, "oidc:home", home.token({ aud: "app", sub: "h-b" }));
  assert.equal(res.status, 409);
  assert.equal(res.body.error, "identity_already_linked");
  const again = await signIn(pid, "oidc:home", home, "h-b");
  assert.equal(again.user.id, b.user.id);
  assert.equal(await f.countIn(pid, "identities"), 2);
});

test("linking checks the token like a sign-in: forged, wrong audience and replayed tokens are refused", async () => {
  const pid = await project();
  const s = await signIn(pid, "oidc:work", work, "w-1");
  // Signed by the other issuer's key: the signature does not verify for oidc:home.
  const forged = work.token({ aud: "app", sub: "h-1", claims: { iss: home.issuer } });
  assert.equal((await link(pid, s, "oidc:home", forged)).body.error, "invalid_social_login");
  assert.equal((await link(pid, s, "oidc:home", home.token({ aud: "other", sub: "h-1" }))).status, 401);
  const token = home.token({ aud: "app", sub: "h-1" });
  assert.equal((await link(pid, s, "oidc:home", token)).status, 200);
  const replay = await link(pid, s, "oidc:home", token);
  assert.equal(replay.status, 401);
  assert.equal(replay.body.error, "invalid_social_login");
  assert.equal(await f.countIn(pid, "identities"), 2);
});

test("linking and unlinking need a live session", async () => {
  const pid = await project();
  const s = await signIn(pid, "oidc:work", work, "w-1");
  const none = await f.api(pid, "POST", "/api/auth/identities", { body: { provider: "oidc:home", id_token: home.token({ aud: "app", sub: "h-1" }) } });
  assert.equal(none.status, 401);
  assert.equal(none.body.error, "invalid_token");
  assert.equal((await f.api(pid, "POST", "/api/auth/logout", { bearer: s.access_token })).status, 204);
  const after = await link(pid, s, "oidc:home", home.token({ aud: "app", sub: "h-1" }));
  assert.equal(after.status, 401);
  assert.equal(after.body.error, "invalid_token");
  assert.equal((await unlink(pid, s, "oidc:work")).body.error, "invalid_token");
  assert.equal(await f.countIn(pid, "identities"), 1);
});

test("unlinking removes a provider but never the last way to sign in", async () => {
  const pid = await project();
  const s = await signIn(pid, "oidc:work", work, "w-1");
  const last = await unlink(pid, s, "oidc:work");
  assert.equal(last.status, 422);
  assert.equal(last.body.error, "last_identity");
  const unknown = await unlink(pid, s, "oidc:home");
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, "identity_not_found");
  assert.equal((await link(pid, s, "oidc:home", home.token({ aud: "app", sub: "h-1" }))).status, 200);
  const res = await unlink(pid, s, "oidc:work");
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(providers(res.body), ["oidc:home"]);
  // The unlinked account is no longer this user's: signing in with it makes a new user.
  const viaWork = await signIn(pid, "oidc:work", work, "w-1");
  assert.notEqual(viaWork.user.id, s.user.id);
});
