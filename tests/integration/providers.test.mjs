// Every provider of CONTRACT.md end to end in workerd, against local stand-ins that follow
// each provider's documentation: sign-up, returning sign-in, the email-trust table and a bad
// token, plus each provider's own rules.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, createHash } from "node:crypto";
import { startFixture, opClient, REDIRECT } from "../support/fixture.mjs";
import { startStandin } from "../support/standins.mjs";
import { pkcePair, randomToken } from "../support/pkce.mjs";

let f;
const standins = [];

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
});

after(async () => {
  await Promise.allSettled([f?.close(), ...standins.map((s) => s.close())]);
});

async function standin(kind, opts) {
  const s = await startStandin(kind, opts);
  standins.push(s);
  return s;
}

const now = () => Math.floor(Date.now() / 1000);

/** Plays the browser: registers the authorization at the stand-in, posts the code form. */
async function codeLogin(pid, provider, s, { claims, identity, nonce = randomToken(), user } = {}) {
  const { verifier, challenge } = pkcePair();
  const code = s.code({ claims: claims && { nonce, ...claims }, identity, challenge, redirectUri: REDIRECT });
  return f.api(pid, "POST", "/api/auth/login/social", {
    body: { provider, code, code_verifier: verifier, redirect_uri: REDIRECT, nonce, ...(user ? { user } : {}) },
  });
}

const idLogin = (pid, provider, id_token, nonce) =>
  f.api(pid, "POST", "/api/auth/login/social", { body: { provider, id_token, ...(nonce ? { nonce } : {}) } });

/** A project whose user alice@example.com already exists, verified, through a custom OIDC provider. */
async function projectWithVerifiedAlice() {
  const pid = await f.createProject();
  await f.putProviderIn(pid, "oidc:owner", {
    client_id: "kith-es", client_secret: "kith-es-secret", issuer: f.op.issuer,
    authorization_endpoint: `${f.op.issuer}/auth`, token_endpoint: `${f.op.issuer}/token`, jwks_uri: `${f.op.issuer}/jwks`,
  });
  const r = await f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "oidc:owner", ...(await f.signInAtOp("kith-es", "alice")) } });
  assert.equal(r.status, 200);
  return { pid, owner: r.body.user };
}

describe("google", () => {
  let g;
  const claims = (extra = {}) => ({ iss: "https://accounts.google.com", aud: "kith-client", sub: "1093", email: "alice@example.com", email_verified: true, iat: now(), exp: now() + 3600, name: "Alice G", ...extra });
  const configure = (pid, extra = {}) => f.putProviderIn(pid, "google", {
    client_id: "kith-client", client_secret: "kith-secret", token_endpoint: `${g.origin}/token`, jwks_uri: `${g.origin}/jwks`, ...extra,
  });
  before(async () => {
    g = await standin("google");
  });

  test("sign-up, then a returning sign-in yields the same user", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const first = await codeLogin(pid, "google", g, { claims: claims() });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const again = await codeLogin(pid, "google", g, { claims: claims() });
    assert.equal(again.body.user.id, first.body.user.id);
    assert.equal(await f.countIn(pid, "users"), 1);
  });

  test("both issuer spellings are accepted and nothing else", async () => {
    const pid = await f.createProject();
    await configure(pid);
    assert.equal((await idLogin(pid, "google", g.idToken(claims({ iss: "accounts.google.com", sub: "a1" })))).status, 200);
    assert.equal((await idLogin(pid, "google", g.idToken(claims({ iss: "https://accounts.google.com.evil", sub: "a2" })))).status, 401);
  });

  test("One Tap / Android / iOS audiences come from allowed_client_ids", async () => {
    const pid = await f.createProject();
    await configure(pid, { allowed_client_ids: ["android-client"] });
    assert.equal((await idLogin(pid, "google", g.idToken(claims({ aud: "android-client", azp: "android-client" })))).status, 200);
    assert.equal((await idLogin(pid, "google", g.idToken(claims({ aud: "other-app", sub: "x" })))).status, 401);
  });

  test("hosted_domain admits only tokens whose verified hd matches", async () => {
    const pid = await f.createProject();
    await configure(pid, { hosted_domain: "corp.example" });
    assert.equal((await idLogin(pid, "google", g.idToken(claims({ hd: "corp.example", sub: "h1" })))).status, 200);
    assert.equal((await idLogin(pid, "google", g.idToken(claims({ sub: "h2" })))).status, 401);
    assert.equal((await idLogin(pid, "google", g.idToken(claims({ hd: "gmail.com", sub: "h3" })))).status, 401);
  });

  test("email_verified decides the merge into an existing verified account", async () => {
    const { pid, owner } = await projectWithVerifiedAlice();
    await configure(pid);
    const unverified = await idLogin(pid, "google", g.idToken(claims({ email_verified: false, sub: "u1" })));
    assert.equal(unverified.status, 409);
    const verified = await idLogin(pid, "google", g.idToken(claims({ sub: "u2" })));
    assert.equal(verified.body.user.id, owner.id);
  });

  test("a token signed by another key is refused", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const other = await standin("google");
    assert.equal((await idLogin(pid, "google", other.idToken(claims()))).status, 401);
    assert.equal(await f.countIn(pid, "users"), 0);
  });
});

describe("apple", () => {
  let a;
  const team = { privateKey: null, publicKey: null };
  const claims = (extra = {}) => ({ iss: "https://appleid.apple.com", aud: "com.example.app", sub: "001234.abcd", email: "alice@example.com", email_verified: "true", is_private_email: "false", iat: now(), exp: now() + 600, ...extra });
  const configure = (pid, privateKey = team.privateKey) => f.putProviderIn(pid, "apple", {
    client_id: "com.example.app", team_id: "TEAM123456", key_id: "KEY1234567", private_key: privateKey,
    token_endpoint: `${a.origin}/token`, jwks_uri: `${a.origin}/jwks`,
  });
  before(async () => {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    team.privateKey = pair.privateKey.export({ format: "pem", type: "pkcs8" });
    team.publicKey = pair.publicKey.export({ format: "pem", type: "spki" });
    a = await standin("apple", { clientId: "com.example.app", teamId: "TEAM123456", keyId: "KEY1234567", applePublicKey: team.publicKey });
  });

  test("the Worker mints the ES256 client secret from the team key; a wrong key fails the exchange", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const ok = await codeLogin(pid, "apple", a, { claims: claims() });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const wrongKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" });
    const other = await f.createProject();
    await configure(other, wrongKey);
    const refused = await codeLogin(other, "apple", a, { claims: claims() });
    assert.equal(refused.status, 401);
  });

  test("a private key that is not a PKCS#8 P-256 key is refused by the admin API", async () => {
    const pid = await f.createProject();
    const r = await f.worker.admin("PUT", `/admin/projects/${pid}/providers/apple`, {
      client_id: "com.example.app", team_id: "TEAM123456", key_id: "KEY1234567", private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    });
    assert.equal(r.status, 422);
  });

  test("the first form_post user name becomes the user's name, and later sign-ins keep it", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const user = JSON.stringify({ name: { firstName: "Ada", lastName: "Lovelace" }, email: "alice@example.com" });
    const first = await codeLogin(pid, "apple", a, { claims: claims({ sub: "n1" }), user });
    assert.equal(first.body.user.name, "Ada Lovelace");
    const later = await codeLogin(pid, "apple", a, { claims: claims({ sub: "n1" }) });
    assert.equal(later.body.user.id, first.body.user.id);
    assert.equal(later.body.user.name, "Ada Lovelace");
  });

  test("email_verified and is_private_email as strings: \"true\" merges, \"false\" does not", async () => {
    const { pid, owner } = await projectWithVerifiedAlice();
    await configure(pid);
    assert.equal((await codeLogin(pid, "apple", a, { claims: claims({ sub: "s1", email_verified: "false" }) })).status, 409);
    const merged = await codeLogin(pid, "apple", a, { claims: claims({ sub: "s2" }) });
    assert.equal(merged.body.user.id, owner.id);
  });

  test("the nonce may arrive as its SHA-256 hex (Apple's SDKs) or raw", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const raw = randomToken();
    const hashed = createHash("sha256").update(raw).digest("hex");
    assert.equal((await idLogin(pid, "apple", a.idToken(claims({ sub: "h1", nonce: hashed })), raw)).status, 200);
    const raw2 = randomToken();
    assert.equal((await idLogin(pid, "apple", a.idToken(claims({ sub: "h2", nonce: raw2 })), raw2)).status, 200);
    assert.equal((await idLogin(pid, "apple", a.idToken(claims({ sub: "h3", nonce: hashed })), randomToken())).status, 401);
  });
});

describe("microsoft", () => {
  let m;
  const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const claims = (tid = TID, extra = {}) => ({
    iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, oid: "00000000-0000-0000-66f3-3332eca7ea81", aud: "kith-client",
    sub: "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", email: "alice@example.com", iat: now(), exp: now() + 3600, ...extra,
  });
  const configure = (pid, tenant = "common", extra = {}) => f.putProviderIn(pid, "microsoft", {
    client_id: "kith-client", client_secret: "kith-secret", tenant, token_endpoint: `${m.origin}/token`, jwks_uri: `${m.origin}/jwks`, ...extra,
  });
  before(async () => {
    m = await standin("microsoft");
  });

  test("multi-tenant: the issuer is bound to the token's own tid; sign-up then returning sign-in", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const first = await codeLogin(pid, "microsoft", m, { claims: claims() });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const again = await codeLogin(pid, "microsoft", m, { claims: claims() });
    assert.equal(again.body.user.id, first.body.user.id);
    assert.equal(first.body.user.identities[0].subject, `${TID}:00000000-0000-0000-66f3-3332eca7ea81`);
    const mixed = await codeLogin(pid, "microsoft", m, { claims: claims(TID, { tid: "11111111-2222-3333-4444-555555555555" }) });
    assert.equal(mixed.status, 401);
  });

  test("allowed_tenants restricts a multi-tenant configuration; a single tenant is exact", async () => {
    const pid = await f.createProject();
    await configure(pid, "common", { allowed_tenants: [TID] });
    assert.equal((await codeLogin(pid, "microsoft", m, { claims: claims("11111111-2222-3333-4444-555555555555") })).status, 401);
    const single = await f.createProject();
    await configure(single, "11111111-2222-3333-4444-555555555555");
    assert.equal((await codeLogin(single, "microsoft", m, { claims: claims(TID) })).status, 401);
    assert.equal((await codeLogin(single, "microsoft", m, { claims: claims("11111111-2222-3333-4444-555555555555") })).status, 200);
  });

  test("without xms_edov the email never merges into an existing verified account (nOAuth)", async () => {
    const { pid, owner } = await projectWithVerifiedAlice();
    await configure(pid);
    const plain = await codeLogin(pid, "microsoft", m, { claims: claims(TID, { email_verified: true }) });
    assert.equal(plain.status, 409, JSON.stringify(plain.body));
    const vouched = await codeLogin(pid, "microsoft", m, { claims: claims(TID, { xms_edov: true }) });
    assert.equal(vouched.status, 200);
    assert.equal(vouched.body.user.id, owner.id);
  });

  test("tenant must be an id, common, organizations or consumers", async () => {
    const pid = await f.createProject();
    const r = await f.worker.admin("PUT", `/admin/projects/${pid}/providers/microsoft`, { client_id: "c", tenant: "../evil" });
    assert.equal(r.status, 422);
  });
});

describe("github", () => {
  let gh;
  const account = (extra = {}) => ({
    id: 583231, login: "octocat", name: "The Octocat",
    emails: [{ email: "alice@example.com", primary: true, verified: true, visibility: "public" }], ...extra,
  });
  const configure = (pid, s = gh) => f.putProviderIn(pid, "github", {
    client_id: "kith-client", client_secret: "kith-secret", token_endpoint: `${s.origin}/login/oauth/access_token`,
    userinfo_endpoint: `${s.origin}/user`,
  });
  before(async () => {
    gh = await standin("github");
  });

  test("sign-up and returning sign-in keyed by the numeric id, with a User-Agent on every API call", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const first = await codeLogin(pid, "github", gh, { identity: account() });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.user.identities[0].subject, "583231");
    const again = await codeLogin(pid, "github", gh, { identity: account({ login: "renamed" }) });
    assert.equal(again.body.user.id, first.body.user.id);
    assert.ok(gh.seen.agents.length >= 4 && gh.seen.agents.every(Boolean), "User-Agent sent");
  });

  test("a form-encoded token answer is understood", async () => {
    const legacy = await standin("github", { formAnswers: true });
    const pid = await f.createProject();
    await configure(pid, legacy);
    assert.equal((await codeLogin(pid, "github", legacy, { identity: account() })).status, 200);
  });

  test("a token error that arrives with HTTP 200 is an error", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const res = await f.api(pid, "POST", "/api/auth/login/social", {
      body: { provider: "github", code: "not-a-code", code_verifier: pkcePair().verifier, redirect_uri: REDIRECT },
    });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, "invalid_social_login");
  });

  test("only a primary and verified email is trusted: a verified non-primary address does not merge", async () => {
    const { pid, owner } = await projectWithVerifiedAlice();
    await configure(pid);
    const nonPrimary = await codeLogin(pid, "github", gh, {
      identity: account({ id: 1, emails: [{ email: "alice@example.com", primary: false, verified: true }, { email: "other@example.com", primary: true, verified: false }] }),
    });
    assert.equal(nonPrimary.status, 200);
    assert.notEqual(nonPrimary.body.user.id, owner.id);
    assert.equal(nonPrimary.body.user.email, null);
    const primary = await codeLogin(pid, "github", gh, { identity: account({ id: 2 }) });
    assert.equal(primary.body.user.id, owner.id);
  });

  test("github has no id_token form", async () => {
    const pid = await f.createProject();
    await configure(pid);
    assert.equal((await idLogin(pid, "github", "a.b.c")).status, 422);
  });
});

describe("facebook", () => {
  let fb;
  const configure = (pid, secret = "kith-secret") => f.putProviderIn(pid, "facebook", {
    client_id: "kith-client", client_secret: secret, token_endpoint: `${fb.origin}/oauth/access_token`,
    userinfo_endpoint: `${fb.origin}/me?fields=id,name,email,picture`, jwks_uri: `${fb.origin}/jwks`,
  });
  before(async () => {
    fb = await standin("facebook");
  });

  test("Graph /me with appsecret_proof: sign-up, returning sign-in, and the confirmed email merges", async () => {
    const { pid, owner } = await projectWithVerifiedAlice();
    await configure(pid);
    const first = await codeLogin(pid, "facebook", fb, { identity: { id: "10158", name: "Alice F", email: "alice@example.com" } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.user.id, owner.id);
    const again = await codeLogin(pid, "facebook", fb, { identity: { id: "10158", name: "Alice F" } });
    assert.equal(again.body.user.id, owner.id);
    const fresh = await codeLogin(pid, "facebook", fb, { identity: { id: "20000", name: "No Email" } });
    assert.notEqual(fresh.body.user.id, owner.id);
  });

  test("a wrong app secret gives a wrong appsecret_proof, which Facebook refuses", async () => {
    const pid = await f.createProject();
    await configure(pid, "not-the-secret");
    // The stand-in's token endpoint checks the secret too; register the client secret there.
    const res = await codeLogin(pid, "facebook", fb, { identity: { id: "30000" } });
    assert.equal(res.status, 401);
  });

  test("Limited Login id_tokens (issuer https://www.facebook.com) sign in", async () => {
    const pid = await f.createProject();
    await configure(pid);
    const nonce = randomToken();
    const token = fb.idToken({ iss: "https://www.facebook.com", aud: "kith-client", sub: "10158", nonce, iat: now(), exp: now() + 3600, name: "Alice F" });
    assert.equal((await idLogin(pid, "facebook", token, nonce)).status, 200);
    const wrongIss = fb.idToken({ iss: "https://facebook.com", aud: "kith-client", sub: "10158", iat: now(), exp: now() + 3600 });
    assert.equal((await idLogin(pid, "facebook", wrongIss)).status, 401);
  });
});

describe("okta and custom OIDC", () => {
  let okta;
  before(async () => {
    okta = await standin("okta");
  });

  test("configured from the issuer's discovery document; sign-up and returning sign-in", async () => {
    const pid = await f.createProject();
    await f.putProviderIn(pid, "okta", { client_id: "kith-client", client_secret: "kith-secret", issuer: okta.origin });
    const stored = (await f.worker.admin("GET", `/admin/projects/${pid}/providers`)).body.providers[0];
    assert.equal(stored.token_endpoint, `${okta.origin}/oauth2/v1/token`);
    const claims = { iss: okta.origin, aud: "kith-client", sub: "00u1", email: "o@example.com", email_verified: true, iat: now(), exp: now() + 3600 };
    const first = await codeLogin(pid, "okta", okta, { claims });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal((await codeLogin(pid, "okta", okta, { claims })).body.user.id, first.body.user.id);
  });

  test("a discovery document naming another issuer is refused", async () => {
    const pid = await f.createProject();
    const r = await f.worker.admin("PUT", `/admin/projects/${pid}/providers/oidc:acme`, {
      client_id: "kith-client", issuer: `${okta.origin}/other`, discovery_url: `${okta.origin}/.well-known/openid-configuration`,
    });
    assert.equal(r.status, 422);
    assert.equal(r.body.error, "invalid_request");
  });

  test("email_verified false from the tenant does not merge", async () => {
    const { pid } = await projectWithVerifiedAlice();
    await f.putProviderIn(pid, "oidc:acme", { client_id: "kith-client", client_secret: "kith-secret", issuer: okta.origin });
    const claims = { iss: okta.origin, aud: "kith-client", sub: "00u2", email: "alice@example.com", email_verified: false, iat: now(), exp: now() + 3600 };
    assert.equal((await codeLogin(pid, "oidc:acme", okta, { claims })).status, 409);
  });
});

test("the public provider list tells the SDK each provider's kind and response mode", async () => {
  const pid = await f.createProject();
  const gh = await standin("github");
  await f.putProviderIn(pid, "github", { client_id: "gh", client_secret: "s", token_endpoint: `${gh.origin}/login/oauth/access_token`, userinfo_endpoint: `${gh.origin}/user` });
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  await f.putProviderIn(pid, "apple", { client_id: "com.example.app", team_id: "T1", key_id: "K1", private_key: pair.privateKey.export({ format: "pem", type: "pkcs8" }) });
  const { providers } = (await f.api(pid, "GET", "/api/auth/providers")).body;
  const by = Object.fromEntries(providers.map((p) => [p.provider, p]));
  assert.equal(by.github.kind, "oauth2");
  assert.equal(by.apple.kind, "oidc");
  assert.equal(by.apple.response_mode, "form_post");
  assert.equal(by.apple.authorization_endpoint, "https://appleid.apple.com/auth/authorize");
  assert.ok(!JSON.stringify(providers).includes("PRIVATE"));
});

test("okta: a token for another audience is refused", async () => {
  const okta = await standin("okta");
  const pid = await f.createProject();
  await f.putProviderIn(pid, "okta", { client_id: "kith-client", client_secret: "kith-secret", issuer: okta.origin });
  const claims = { iss: okta.origin, aud: "another-app", sub: "00u9", iat: now(), exp: now() + 3600 };
  assert.equal((await codeLogin(pid, "okta", okta, { claims })).status, 401);
  assert.equal(await f.countIn(pid, "users"), 0);
});
