// The provider-token vault (CONTRACT "Identities": GET /api/auth/identities/{provider}/token and
// its admin twin) in real workerd with D1, against the Google stand-in's OAuth side: tokens
// kept on every code exchange, read by the admin and (when exposed) the client, refreshed once
// however many reads race, dropped when the grant is revoked; Apple has none; and no secret of
// any kind is stored in plaintext anywhere in D1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { startFixture, REDIRECT } from "../support/fixture.mjs";
import { startStandin } from "../support/standins.mjs";
import { startForge } from "../support/forge.mjs";
import { scanD1ForSecrets } from "../support/scan.mjs";
import { pkcePair, randomToken } from "../support/pkce.mjs";

let f, g, apple, forge;
const SECRET = `google-secret-${randomUUID()}`;
const applePair = generateKeyPairSync("ec", { namedCurve: "P-256" });
const APPLE_KEY = applePair.privateKey.export({ format: "pem", type: "pkcs8" });
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  f = await startFixture({ clients: [] });
  g = await startStandin("google", { clientSecret: SECRET });
  apple = await startStandin("apple", {
    clientId: "com.example.app", teamId: "TEAM123456", keyId: "KEY1234567",
    applePublicKey: applePair.publicKey.export({ format: "pem", type: "spki" }),
  });
  forge = await startForge();
});

after(async () => {
  await Promise.allSettled([f?.close(), g?.close(), apple?.close(), forge?.close()]);
});

const google = (options = {}) => ({
  client_id: "kith-client", client_secret: SECRET, authorization_endpoint: `${g.origin}/authorize`,
  token_endpoint: `${g.origin}/token`, jwks_uri: `${g.origin}/jwks`, options,
});

/** A project with Google (tokens exposed to the client or not), Apple and a forge provider. */
async function project({ expose = false } = {}) {
  const pid = await f.createProject();
  await f.putProviderIn(pid, "google", google({ expose_tokens_to_client: expose }));
  await f.putProviderIn(pid, "apple", {
    client_id: "com.example.app", team_id: "TEAM123456", key_id: "KEY1234567", private_key: APPLE_KEY,
    authorization_endpoint: `${apple.origin}/auth/authorize`, token_endpoint: `${apple.origin}/token`, jwks_uri: `${apple.origin}/jwks`,
  });
  await f.putProviderIn(pid, "oidc:forge", forge.provider("app"));
  return pid;
}

const claims = (sub) => ({ iss: "https://accounts.google.com", aud: "kith-client", sub, email: `${sub}@example.com`, email_verified: true, iat: now(), exp: now() + 600 });

/** The code form against the stand-in (as the SDK posts it), to sign in or (`bearer`) to link. */
async function codeForm(pid, sub, { path = "/api/auth/login/social", bearer, scopes, includeGranted } = {}) {
  const { verifier, challenge } = pkcePair();
  const nonce = randomToken();
  const code = g.code({ claims: { ...claims(sub), nonce }, challenge, redirectUri: REDIRECT, scopes, includeGranted });
  const res = await f.api(pid, "POST", path, { bearer, body: { provider: "google", code, code_verifier: verifier, redirect_uri: REDIRECT, nonce } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const adminToken = (pid, userId, provider = "google") =>
  f.worker.admin("GET", `/admin/projects/${pid}/users/${userId}/identities/${encodeURIComponent(provider)}/token`);
const clientToken = (pid, session, provider = "google") =>
  f.api(pid, "GET", `/api/auth/identities/${encodeURIComponent(provider)}/token`, { bearer: session.access_token });
const stored = async (pid) => f.countIn(pid, "provider_tokens");

test("a code-form sign-in keeps the provider's token; the admin reads it with its scopes", async () => {
  const pid = await project();
  const s = await codeForm(pid, "g-admin");
  assert.equal(await stored(pid), 1);
  const res = await adminToken(pid, s.user.id);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.access_token, g.issued.access.at(-1));
  assert.ok(Math.abs(res.body.expires_at - (now() + 3600)) < 10);
  assert.deepEqual(res.body.scopes, ["openid", "email", "profile"]);
  // More scopes later, incrementally: the vault records what Google granted.
  const drive = "https://www.googleapis.com/auth/drive.readonly";
  await codeForm(pid, "g-admin", { scopes: [drive], includeGranted: true });
  const more = await adminToken(pid, s.user.id);
  assert.deepEqual(more.body.scopes, ["openid", "email", "profile", drive]);
  assert.equal(more.body.access_token, g.issued.access.at(-1));
  const unknown = await adminToken(pid, randomUUID());
  assert.equal(unknown.body.error, "user_not_found");
  // An id_token sign-in brings no provider token.
  const viaIdToken = await f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "google", id_token: g.idToken(claims("g-idt")) } });
  assert.equal(viaIdToken.status, 200);
  const none = await adminToken(pid, viaIdToken.body.user.id);
  assert.equal(none.status, 404);
  assert.equal(none.body.error, "no_provider_token");
});

test("the client reads the token only when the provider's expose_tokens_to_client is on", async () => {
  const pid = await project();
  const s = await codeForm(pid, "g-client");
  const denied = await clientToken(pid, s);
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error, "token_access_denied");
  const listed = await f.worker.admin("GET", `/admin/projects/${pid}/providers`);
  assert.equal(listed.body.providers.find((p) => p.provider === "google").options.expose_tokens_to_client, false);
  await f.putProviderIn(pid, "google", google({ expose_tokens_to_client: true }));
  const ok = await clientToken(pid, s);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.access_token, g.issued.access.at(-1));
  assert.equal((await f.api(pid, "GET", "/api/auth/identities/google/token")).body.error, "invalid_token");
});

test("two simultaneous reads near expiry cause exactly one refresh; the rotated refresh token is used next", async () => {
  const pid = await project({ expose: true });
  g.setAccessTtl(30);
  try {
    const s = await codeForm(pid, "g-race");
    const first = g.issued.access.at(-1);
    const before = g.seen.refresh;
    const [a, b] = await Promise.all([clientToken(pid, s), clientToken(pid, s)]);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(g.seen.refresh - before, 1, "one refresh at the provider");
    assert.notEqual(a.body.access_token, first);
    assert.equal(a.body.access_token, b.body.access_token);
    // Still near expiry: the next read refreshes again, with the rotated refresh token (the
    // stand-in refuses the old one), so the vault stored the rotation.
    const again = await adminToken(pid, s.user.id);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(g.seen.refresh - before, 2);
    assert.equal(again.body.access_token, g.issued.access.at(-1));
  } finally {
    g.setAccessTtl(3600);
  }
});

test("a revoked grant answers 409 reauthorization_required and the token is gone; a provider that is down keeps it", async () => {
  const pid = await project({ expose: true });
  g.setAccessTtl(30);
  try {
    const s = await codeForm(pid, "g-revoked");
    g.setRefreshDown(true);
    const down = await clientToken(pid, s);
    g.setRefreshDown(false);
    assert.equal(down.status, 503);
    assert.equal(down.body.error, "provider_unavailable");
    assert.equal(await stored(pid), 1, "kept while the provider is down");
    g.revoke("g-revoked");
    const refused = await clientToken(pid, s);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error, "reauthorization_required");
    assert.equal(await stored(pid), 0, "the dead token is dropped");
    assert.equal((await clientToken(pid, s)).body.error, "no_provider_token");
    // Signing in again at the provider restores it.
    await codeForm(pid, "g-revoked");
    assert.equal((await clientToken(pid, s)).status, 200);
  } finally {
    g.setAccessTtl(3600);
  }
});

test("Apple issues no API token: provider_token_unsupported", async () => {
  const pid = await project({ expose: true });
  const s = await codeForm(pid, "g-apple");
  const admin = await adminToken(pid, s.user.id, "apple");
  assert.equal(admin.status, 422);
  assert.equal(admin.body.error, "provider_token_unsupported");
  assert.equal((await clientToken(pid, s, "apple")).body.error, "provider_token_unsupported");
});

test("a code-form link keeps the token; unlinking the identity or deleting the user deletes it", async () => {
  const pid = await project();
  const s = (await f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "oidc:forge", id_token: forge.token({ aud: "app", sub: "f-1" }) } })).body;
  await codeForm(pid, "g-link", { path: "/api/auth/identities", bearer: s.access_token });
  assert.equal((await adminToken(pid, s.user.id)).status, 200);
  const unlinked = await f.api(pid, "DELETE", "/api/auth/identities/google", { bearer: s.access_token });
  assert.equal(unlinked.status, 200, JSON.stringify(unlinked.body));
  assert.equal(await stored(pid), 0);
  await codeForm(pid, "g-link", { path: "/api/auth/identities", bearer: s.access_token });
  assert.equal(await stored(pid), 1);
  assert.equal((await f.worker.admin("DELETE", `/admin/projects/${pid}/users/${s.user.id}`)).status, 204);
  assert.equal(await stored(pid), 0);
});

test("no provider token, client secret, private key, refresh token or flow code is in any D1 row", async () => {
  const pid = await project({ expose: true });
  g.setAccessTtl(30);
  const sessions = [];
  try {
    sessions.push(await codeForm(pid, "g-scan-1"));
    sessions.push(await codeForm(pid, "g-scan-2", { scopes: ["https://www.googleapis.com/auth/calendar"] }));
    assert.equal((await clientToken(pid, sessions[0])).status, 200, "refreshed: rotated tokens stored too");
  } finally {
    g.setAccessTtl(3600);
  }
  // The server-driven flow through Google's consent screen: the Kith code and the session.
  g.signInAs({ sub: "g-scan-flow", email: "flow@example.com", email_verified: true });
  const pkce = pkcePair();
  const q = new URLSearchParams({ code_challenge: pkce.challenge, code_challenge_method: "S256", redirect_to: REDIRECT, state: "s1" });
  const start = await (await fetch(`${f.worker.url}/oauth/projects/${pid}/providers/google/start?${q}`)).json();
  const authUrl = new URL(start.auth_url);
  assert.equal(authUrl.searchParams.get("access_type"), "offline");
  assert.equal(authUrl.searchParams.get("include_granted_scopes"), "true");
  const consent = await fetch(start.auth_url, { redirect: "manual" });
  const callback = await fetch(consent.headers.get("location"), { redirect: "manual" });
  assert.equal(callback.status, 303);
  const kithCode = new URL(callback.headers.get("location")).searchParams.get("code");
  const flowCodeStored = await scanD1ForSecrets(f.worker.db, { "flow code": kithCode });
  assert.deepEqual(flowCodeStored.findings, [], "the pending Kith code is stored only as a hash");
  const token = await fetch(`${f.worker.url}/oauth/token`, {
    method: "POST", headers: { "content-type": "application/json", "project-id": pid },
    body: JSON.stringify({ code: kithCode, code_verifier: pkce.verifier }),
  });
  const flowSession = await token.json();
  assert.equal(token.status, 200, JSON.stringify(flowSession));
  sessions.push(flowSession);
  assert.equal((await adminToken(pid, flowSession.user.id)).status, 200, "the flow's exchange is in the vault");

  const keyBody = APPLE_KEY.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
  const secrets = {
    "provider access token": g.issued.access,
    "provider refresh token": g.issued.refresh,
    "google client secret": SECRET,
    "apple private key": [APPLE_KEY, keyBody],
    "kith refresh token": sessions.map((s) => s.refresh_token),
    "kith access token": sessions.map((s) => s.access_token),
    "flow code": kithCode,
  };
  assert.ok(g.issued.access.length >= 4 && g.issued.refresh.length >= 4);
  const { findings, cells } = await scanD1ForSecrets(f.worker.db, secrets);
  assert.ok(cells > 50, `scanned ${cells} cells`);
  assert.deepEqual(findings, []);
  // The scanner finds what is there in plaintext (a check that it can fail).
  const control = await scanD1ForSecrets(f.worker.db, { email: "g-scan-1@example.com" });
  assert.ok(control.findings.some((x) => x.table === "users" && x.column === "email"));
});
