// Email verification by code in a real Chromium: the SDK signs in with an id_token of the dev
// OP's "alice-unverified" account (an address the OP does not vouch for) at a provider with
// `verify_email` on; the Worker (wrangler dev, local D1) sends the code to the dev outbox,
// and the page completes the sign-in with kith.verifyEmail.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { randomToken } from "../support/pkce.mjs";

const ALICE = "alice@example.com";
let stack, browser, page;

before(async () => {
  stack = await startStack({ opPort: 9450, workerPort: 8837, demoPort: 5223 });
  // A second provider of the demo project for the same OP client, with verify_email on.
  const discovery = await (await fetch(`${stack.op}/.well-known/openid-configuration`)).json();
  const res = await fetch(`${stack.worker}/admin/projects/${await demoProject()}/providers/oidc%3Averify`, {
    method: "PUT",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_id: "kith-demo", client_secret: "kith-demo-secret", issuer: discovery.issuer,
      authorization_endpoint: discovery.authorization_endpoint, token_endpoint: discovery.token_endpoint,
      jwks_uri: discovery.jwks_uri, scopes: ["openid", "email", "profile"], options: { verify_email: true },
    }),
  });
  assert.equal(res.status, 200, await res.text());
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  await page.evaluate(async () => {
    const { createClient } = await import("/pkg/index.js");
    const cfg = await (await fetch("/config.json")).json();
    window.kith = createClient({ baseUrl: cfg.baseUrl, projectId: cfg.projectId });
    window.kithEvents = [];
    window.kith.onAuthStateChange((event) => window.kithEvents.push(event));
    // Every call answers {ok, value} or {ok: false, error: {code, ...}}: what the app sees.
    window.attempt = async (f) => {
      try {
        return { ok: true, value: await f() };
      } catch (e) {
        const { isKithError } = await import("/pkg/index.js");
        return { ok: false, error: { code: e.code, status: e.status, kith: isKithError(e), token: e.verification_token, hint: e.email_hint } };
      }
    };
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function demoProject() {
  return (await (await fetch(`${stack.demo}/config.json`)).json()).projectId;
}

/** signInWithSocial as alice-unverified: the KithError the page caught. */
async function signInUnverified() {
  const nonce = randomToken();
  const token = await stack.idToken("alice-unverified", nonce);
  const r = await page.evaluate(({ token, nonce }) =>
    window.attempt(() => window.kith.signInWithSocial({ provider: "oidc:verify", id_token: token, nonce })), { token, nonce });
  assert.equal(r.ok, false, JSON.stringify(r));
  return r.error;
}

const verifyEmail = (verification_token, code) =>
  page.evaluate((b) => window.attempt(() => window.kith.verifyEmail(b)), { verification_token, code });

const resend = (verification_token) =>
  page.evaluate((b) => window.attempt(() => window.kith.resendVerificationEmail(b)), { verification_token });

const lastCode = async () => (await stack.messages(ALICE)).at(-1).code;
const wrong = (code) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

test("the SDK's sign-in rejects with email_verification_required carrying the token and the masked address", async () => {
  const before = (await stack.messages(ALICE)).length;
  const e = await signInUnverified();
  assert.equal(e.code, "email_verification_required");
  assert.equal(e.status, 403);
  assert.equal(e.kith, true);
  assert.equal(typeof e.token, "string");
  assert.equal(e.hint, "a***e@example.com");
  assert.equal((await stack.messages(ALICE)).length, before + 1, "the code reached the dev outbox");
  assert.match(stack.output(), /code [0-9]{6} for alice@example\.com/, "npm run dev prints it");
  assert.equal(await page.evaluate(() => window.kith.getSession()), null, "not signed in yet");
});

test("a wrong code is invalid_code; five of them kill the verification, even for the right code", async () => {
  const { token } = await signInUnverified();
  const right = await lastCode();
  for (let i = 0; i < 5; i++) {
    const r = await verifyEmail(token, wrong(right));
    assert.deepEqual([r.ok, r.error?.code, r.error?.status], [false, "invalid_code", 401]);
  }
  const dead = await verifyEmail(token, right);
  assert.deepEqual([dead.ok, dead.error?.code], [false, "too_many_attempts"]);
});

test("an expired code is verification_expired", async () => {
  const { token } = await signInUnverified();
  const right = await lastCode();
  stack.d1("UPDATE email_verifications SET expires_at = 1 WHERE redeemed_by IS NULL");
  const r = await verifyEmail(token, right);
  assert.deepEqual([r.ok, r.error?.code, r.error?.status], [false, "verification_expired", 410]);
});

test("a resend waits its cooldown, replaces the code, and the right code signs in and stores the session", async () => {
  const { token } = await signInUnverified();
  const first = await lastCode();
  const early = await resend(token);
  assert.deepEqual([early.ok, early.error?.code], [false, "rate_limited"]);
  // Move the sending a minute back instead of waiting for the cooldown.
  stack.d1("UPDATE email_verifications SET sent_at = sent_at - 61 WHERE redeemed_by IS NULL");
  const again = await resend(token);
  assert.equal(again.ok, true, JSON.stringify(again));
  const second = await lastCode();
  assert.notEqual(second, first);
  const old = await verifyEmail(token, first);
  assert.deepEqual([old.ok, old.error?.code], [false, "invalid_code"]);
  const verified = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/verify"));
  const done = await verifyEmail(token, second);
  assert.equal(done.ok, true, JSON.stringify(done));
  const bookmark = (await verified).headers()["kith-bookmark"];
  assert.ok(bookmark, "the Worker answers with its D1 bookmark");
  assert.equal(done.value.user.email, ALICE);
  assert.equal(done.value.user.email_verified, true);
  const stored = await page.evaluate(() => ({ session: window.kith.getSession(), events: window.kithEvents }));
  assert.equal(stored.session.refresh_token, done.value.refresh_token, "the session is stored");
  assert.ok(stored.events.includes("SIGNED_IN"), JSON.stringify(stored.events));
  const read = page.waitForRequest((r) => r.method() === "GET" && r.url().endsWith("/api/auth/user"));
  const user = await page.evaluate(() => window.kith.getUser());
  assert.equal(user.id, done.value.user.id);
  assert.equal((await read).headers()["kith-bookmark"], bookmark, "getUser reads at least the sign-in's write");
});
