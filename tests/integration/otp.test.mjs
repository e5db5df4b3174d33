// Email verification by code, end to end: the real oidc-provider's "alice-unverified"
// account (an address the provider does not vouch for) through the code flow, the Worker in
// workerd with D1, and the dev outbox as the project's mailer webhook.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startFixture, opClient, REDIRECT } from "../support/fixture.mjs";
import { startStandin } from "../support/standins.mjs";
import { pkcePair } from "../support/pkce.mjs";
import { scanD1ForSecrets } from "../support/scan.mjs";

const ALICE = "alice@example.com";
let f, google;

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
  google = await startStandin("google");
});

after(async () => {
  await Promise.allSettled([f?.close(), google?.close()]);
});

/** A project whose `oidc:verify` provider has `verify_email` on (`options` add to it). */
async function verifyingProject(options = {}) {
  const pid = await f.createProject();
  await f.putProviderIn(pid, "oidc:verify", {
    client_id: "kith-es", client_secret: "kith-es-secret", issuer: f.op.issuer,
    authorization_endpoint: `${f.op.issuer}/auth`, token_endpoint: `${f.op.issuer}/token`, jwks_uri: `${f.op.issuer}/jwks`,
    options: { verify_email: true, ...options },
  });
  return pid;
}

async function signIn(pid, account = "alice-unverified") {
  const body = { provider: "oidc:verify", ...(await f.signInAtOp("kith-es", account)) };
  return f.api(pid, "POST", "/api/auth/login/social", { body });
}

/** Signs in as alice-unverified: the 403 and the message the outbox received for it. */
async function challenge(pid) {
  const seen = f.outbox.messages(ALICE).length;
  const res = await signIn(pid);
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.error, "email_verification_required");
  assert.equal(res.body.email_hint, "a***e@example.com");
  assert.equal(typeof res.body.verification_token, "string");
  const messages = f.outbox.messages(ALICE);
  assert.equal(messages.length, seen + 1, "one code sent");
  return { token: res.body.verification_token, message: messages.at(-1) };
}

const verify = (pid, verification_token, code) =>
  f.api(pid, "POST", "/api/auth/verify-email", { body: { verification_token, code } });

const wrong = (code) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

test("the webhook arrives with a valid HMAC signature over its timestamp and body", async () => {
  const pid = await verifyingProject();
  const { message } = await challenge(pid);
  assert.match(message.code, /^[0-9]{6}$/);
  assert.equal(message.project_id, pid);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(message.expires_at > now + 590 && message.expires_at <= now + 600, String(message.expires_at));
  // The outbox accepted it only after checking the signature; check it again by hand here.
  const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(message.signature);
  assert.deepEqual(JSON.parse(message.raw), { to: ALICE, code: message.code, expires_at: message.expires_at, project_id: pid });
  const body = message.raw;
  assert.ok(Math.abs(now - Number(t)) < 60);
  assert.equal(createHmac("sha256", f.outbox.secret).update(`${t}.${body}`).digest("hex"), v1);
});

test("the right code signs in: a session, a new user with the proven email, the row gone", async () => {
  const pid = await verifyingProject();
  const { token, message } = await challenge(pid);
  assert.equal(await f.countIn(pid, "users"), 0, "no user before the proof");
  const res = await verify(pid, token, message.code);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.token_type, "bearer");
  assert.equal(typeof res.body.refresh_token, "string");
  assert.equal(res.body.user.email, ALICE);
  assert.equal(res.body.user.email_verified, true);
  assert.deepEqual(res.body.user.identities.map((i) => i.provider), ["oidc:verify"]);
  const me = await f.api(pid, "GET", "/api/auth/user", { bearer: res.body.access_token });
  assert.equal(me.status, 200);
  assert.equal(me.body.id, res.body.user.id);
  assert.equal(await f.countIn(pid, "email_verifications"), 0);
  const again = await verify(pid, token, message.code);
  assert.equal(again.status, 404);
  assert.equal(again.body.error, "verification_not_found", "single use");
});

test("the right code links the identity to the user who owns the address", async () => {
  const pid = await verifyingProject();
  const owner = await signIn(pid, "alice");
  assert.equal(owner.status, 200, JSON.stringify(owner.body));
  const { token, message } = await challenge(pid);
  const res = await verify(pid, token, message.code);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.user.id, owner.body.user.id);
  assert.equal(res.body.user.identities.length, 2);
});

test("brute force dies at five wrong codes: the right code then fails too", async () => {
  const pid = await verifyingProject();
  const { token, message } = await challenge(pid);
  for (let i = 0; i < 5; i++) {
    const r = await verify(pid, token, wrong(message.code));
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, "invalid_code");
  }
  const dead = await verify(pid, token, message.code);
  assert.equal(dead.status, 410, JSON.stringify(dead.body));
  assert.equal(dead.body.error, "too_many_attempts");
  assert.equal(await f.countIn(pid, "users"), 0);
  assert.equal(await f.countIn(pid, "sessions"), 0);
});

test("an expired code is verification_expired", async () => {
  const pid = await verifyingProject();
  const { token, message } = await challenge(pid);
  await f.worker.db.prepare("UPDATE email_verifications SET expires_at = 1 WHERE project_id = ?").bind(pid).run();
  const r = await verify(pid, token, message.code);
  assert.equal(r.status, 410, JSON.stringify(r.body));
  assert.equal(r.body.error, "verification_expired");
});

test("a resend waits for its cooldown, sends a new code and kills the old one", async () => {
  const pid = await verifyingProject();
  const { token, message } = await challenge(pid);
  const resend = () => f.api(pid, "POST", "/api/auth/verify-email/resend", { body: { verification_token: token } });
  const early = await resend();
  assert.equal(early.status, 429, JSON.stringify(early.body));
  assert.equal(early.body.error, "rate_limited");
  // Move the last sending a minute back instead of waiting.
  await f.worker.db.prepare("UPDATE email_verifications SET sent_at = sent_at - 61 WHERE project_id = ?").bind(pid).run();
  const ok = await resend();
  assert.equal(ok.status, 204);
  const fresh = f.outbox.messages(ALICE).at(-1);
  assert.notEqual(fresh.code, message.code);
  const old = await verify(pid, token, message.code);
  assert.equal(old.body.error, "invalid_code", "the old code no longer works");
  const r = await verify(pid, token, fresh.code);
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test("a failing mailer is mailer_unavailable and leaves nothing pending", async () => {
  const pid = await verifyingProject();
  f.outbox.fail(500);
  try {
    const res = await signIn(pid);
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error, "mailer_unavailable");
  } finally {
    f.outbox.fail(0);
  }
  assert.equal(await f.countIn(pid, "email_verifications"), 0);
  assert.equal(await f.countIn(pid, "users"), 0);
});

test("with merge off an owned address is email_in_use and no code is sent", async () => {
  const pid = await verifyingProject({ allow_email_account_merge: false });
  assert.equal((await signIn(pid, "alice")).status, 200);
  const seen = f.outbox.messages(ALICE).length;
  const res = await signIn(pid);
  assert.equal(res.status, 409, JSON.stringify(res.body));
  assert.equal(res.body.error, "email_in_use");
  assert.equal(f.outbox.messages(ALICE).length, seen);
});

test("the admin API never returns the mailer secret and refuses verify_email without a mailer", async () => {
  const pid = await f.createProject();
  const got = await f.worker.admin("GET", `/admin/projects/${pid}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.mailer.url, f.outbox.hookUrl);
  assert.ok(!JSON.stringify(got.body).includes(f.outbox.secret));
  const bare = await f.createProject({ mailer: null });
  const r = await f.worker.admin("PUT", `/admin/projects/${bare}/providers/oidc%3Averify`, {
    client_id: "kith-es", issuer: f.op.issuer, authorization_endpoint: `${f.op.issuer}/auth`,
    token_endpoint: `${f.op.issuer}/token`, jwks_uri: `${f.op.issuer}/jwks`, options: { verify_email: true },
  });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error, "invalid_request");
});

test("the dev outbox refuses a post with a bad or stale signature and keeps nothing", async () => {
  const before = f.outbox.messages().length;
  const body = JSON.stringify({ to: "mallory@example.com", code: "000000", expires_at: 0, project_id: "x" });
  const t = Math.floor(Date.now() / 1000);
  const sign = (secret, at) => `t=${at},v1=${createHmac("sha256", secret).update(`${at}.${body}`).digest("hex")}`;
  for (const signature of [sign("not-the-secret", t), sign(f.outbox.secret, t - 3600), "t=1,v1=zz", undefined]) {
    const res = await fetch(f.outbox.hookUrl, {
      method: "POST", headers: { "content-type": "application/json", ...(signature ? { "kith-signature": signature } : {}) }, body,
    });
    assert.equal(res.status, 401, String(signature));
  }
  assert.equal(f.outbox.messages().length, before);
  const good = await fetch(f.outbox.hookUrl, { method: "POST", headers: { "kith-signature": sign(f.outbox.secret, t) }, body });
  assert.equal(good.status, 204);
  assert.equal(f.outbox.messages("mallory@example.com").length, 1);
  const listed = await (await fetch(`${f.outbox.url}/messages?to=mallory%40example.com`)).json();
  assert.equal(listed.messages[0].code, "000000");
});

test("an address has at most three live verifications: a fourth sign-in is rate_limited and sends nothing", async () => {
  const pid = await verifyingProject();
  for (let i = 0; i < 3; i++) await challenge(pid);
  const seen = f.outbox.messages(ALICE).length;
  const res = await signIn(pid);
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.body.error, "rate_limited");
  assert.equal(f.outbox.messages(ALICE).length, seen, "no fourth email");
  assert.equal(await f.countIn(pid, "email_verifications"), 3);
});

test("the server-driven flow: the callback hands out the Kith code, and only its verifier gets the verification_token (never in a URL)", async () => {
  const pid = await f.createProject();
  await f.putProviderIn(pid, "google", {
    client_id: "kith-client", client_secret: "kith-secret", authorization_endpoint: `${google.origin}/auth`,
    token_endpoint: `${google.origin}/token`, jwks_uri: `${google.origin}/jwks`, options: { verify_email: true },
  });
  const now = Math.floor(Date.now() / 1000);
  /** Start → the provider (an address it does not vouch for) → the callback's redirect. */
  async function throughTheCallback(sub) {
    const pkce = pkcePair();
    const q = new URLSearchParams({ code_challenge: pkce.challenge, code_challenge_method: "S256", state: "s-1", redirect_to: REDIRECT });
    const started = await (await fetch(`${f.worker.url}/oauth/projects/${pid}/providers/google/start?${q}`)).json();
    const auth = new URL(started.auth_url);
    const claims = { iss: "https://accounts.google.com", aud: "kith-client", sub, email: ALICE, email_verified: false, iat: now, exp: now + 600, nonce: auth.searchParams.get("nonce") };
    const code = google.code({ claims, challenge: auth.searchParams.get("code_challenge"), redirectUri: auth.searchParams.get("redirect_uri") });
    const res = await fetch(`${auth.searchParams.get("redirect_uri")}?${new URLSearchParams({ code, state: auth.searchParams.get("state") })}`, { redirect: "manual" });
    assert.equal(res.status, 303);
    return { back: new URL(res.headers.get("location")), pkce };
  }
  const exchange = async (code, code_verifier) => {
    const res = await fetch(`${f.worker.url}/oauth/token`, {
      method: "POST", headers: { "content-type": "application/json", "project-id": pid }, body: JSON.stringify({ code, code_verifier }),
    });
    return { status: res.status, body: await res.json() };
  };
  const seen = f.outbox.messages(ALICE).length;
  const { back, pkce } = await throughTheCallback("g-otp-1");
  assert.deepEqual([...back.searchParams.keys()].sort(), ["code", "state"], back.href);
  assert.equal(f.outbox.messages(ALICE).length, seen + 1, "the code went out");
  const sent = f.outbox.messages(ALICE).at(-1).code;
  assert.ok(!back.href.includes(sent));
  const answer = await exchange(back.searchParams.get("code"), pkce.verifier);
  assert.equal(answer.status, 403, JSON.stringify(answer.body));
  assert.equal(answer.body.error, "email_verification_required");
  assert.equal(answer.body.email_hint, "a***e@example.com");
  assert.ok(!back.href.includes(answer.body.verification_token), "the token is not in the URL");
  const stored = await scanD1ForSecrets(f.worker.db, { "verification token": answer.body.verification_token, "Kith code": back.searchParams.get("code") });
  assert.deepEqual(stored.findings, [], "neither the token nor the Kith code is stored");
  // The Kith code is single use.
  assert.equal((await exchange(back.searchParams.get("code"), pkce.verifier)).body.error, "invalid_grant");
  const session = await verify(pid, answer.body.verification_token, sent);
  assert.equal(session.status, 200, JSON.stringify(session.body));
  assert.equal(session.body.user.email, ALICE);
  assert.equal(session.body.user.email_verified, true);
  // Without the verifier, a callback URL yields no token (and the code is spent).
  const other = await throughTheCallback("g-otp-2");
  const stolen = await exchange(other.back.searchParams.get("code"), pkcePair().verifier);
  assert.equal(stolen.status, 400);
  assert.equal(stolen.body.error, "invalid_grant");
  assert.equal(stolen.body.verification_token, undefined);
  assert.equal((await exchange(other.back.searchParams.get("code"), other.pkce.verifier)).body.error, "invalid_grant");
});
