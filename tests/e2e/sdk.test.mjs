// The SDK in a real browser against the real Worker (wrangler dev) and oidc-provider:
// id_token sign-in, errors as KithError, one refresh for two tabs, sign-out across tabs, linking.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { randomToken } from "../support/pkce.mjs";

let stack, browser;
const refreshes = [];

before(async () => {
  stack = await startStack({ opPort: 9420, workerPort: 8807, demoPort: 5193 });
  browser = await launchBrowser();
  browser.context.on("request", (r) => {
    if (r.url().endsWith("/api/auth/refresh") && r.method() === "POST") refreshes.push(r.url());
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const demoIdToken = (account, nonce) => stack.idToken(account, nonce);

async function openTab() {
  const page = await browser.newPage();
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  return page;
}

/** Creates `window.kith` in the page with the given SDK options and records its events. */
async function client(page, projectUserAuth = {}) {
  await page.evaluate(async (projectUserAuth) => {
    const { createClient } = await import("/pkg/index.js");
    const cfg = await (await fetch("/config.json")).json();
    window.kith = createClient({ baseUrl: cfg.baseUrl, projectId: cfg.projectId, projectUserAuth });
    window.kithEvents = [];
    window.kith.onAuthStateChange((event, session) => window.kithEvents.push([event, session?.refresh_token ?? null]));
  }, projectUserAuth);
}

test("signInWithSocial signs in with an id_token; a replay is refused as a KithError with the server's code", async () => {
  const page = await openTab();
  await client(page);
  const nonce = randomToken();
  const token = await demoIdToken("bob", nonce);
  const result = await page.evaluate(async ({ token, nonce }) => {
    const { KithError } = await import("/pkg/index.js");
    const session = await window.kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce });
    let replay;
    try {
      await window.kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce });
    } catch (e) {
      replay = { code: e.code, isKithError: e instanceof KithError, isError: e instanceof Error, status: e.status };
    }
    return { email: session.user.email, stored: window.kith.getSession()?.user.email, events: window.kithEvents.map((e) => e[0]), replay };
  }, { token, nonce });
  assert.equal(result.email, "bob@example.com");
  assert.equal(result.stored, "bob@example.com");
  assert.deepEqual(result.events, ["INITIAL_SESSION", "SIGNED_IN"]);
  assert.deepEqual(result.replay, { code: "invalid_social_login", isKithError: true, isError: true, status: 401 });
  const nonceResult = await page.evaluate(async () => {
    const { nonce, hashedNonce } = await window.kith.createNonce();
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(nonce));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    return { ok: hex === hashedNonce, length: nonce.length };
  });
  assert.deepEqual(nonceResult, { ok: true, length: 43 });
  await page.close();
});

test("two tabs with a near-expiry session: exactly one refresh reaches the Worker and both tabs end with the same new session", async () => {
  const a = await openTab();
  const b = await openTab();
  // Refresh 3597 s ahead of a 3600 s token: due 3 s after receipt.
  await client(a, { refreshMarginSeconds: 3597 });
  const nonce = randomToken();
  const token = await demoIdToken("alice", nonce);
  const original = await a.evaluate(async ({ token, nonce }) => (await window.kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce })).refresh_token, { token, nonce });
  await client(b, { refreshMarginSeconds: 3597 });
  assert.equal(await b.evaluate(() => window.kith.getSession()?.refresh_token), original, "tab B sees the session");
  const before = refreshes.length;
  await a.waitForFunction(() => window.kithEvents.some((e) => e[0] === "TOKEN_REFRESHED"), null, { timeout: 15_000 });
  await b.waitForFunction(() => window.kithEvents.some((e) => e[0] === "TOKEN_REFRESHED"), null, { timeout: 15_000 });
  await a.waitForTimeout(1500);
  assert.equal(refreshes.length - before, 1, "one refresh request for two tabs");
  const [ra, rb] = await Promise.all([a, b].map((p) => p.evaluate(() => window.kith.getSession()?.refresh_token)));
  assert.equal(ra, rb);
  assert.notEqual(ra, original);
  await a.close();
  await b.close();
});

test("sign-out in tab A signs tab B out (SIGNED_OUT)", async () => {
  const a = await openTab();
  const b = await openTab();
  await client(a);
  const nonce = randomToken();
  const token = await demoIdToken("alice", nonce);
  await a.evaluate(async ({ token, nonce }) => window.kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce }), { token, nonce });
  await client(b);
  assert.ok(await b.evaluate(() => window.kith.getSession() !== null));
  await a.evaluate(() => window.kith.signOut());
  await b.waitForFunction(() => window.kithEvents.some((e) => e[0] === "SIGNED_OUT"), null, { timeout: 5000 });
  assert.equal(await b.evaluate(() => window.kith.getSession()), null);
  // The demo page in tab B followed too.
  assert.equal(await b.textContent("#user-email"), "nobody");
  await a.close();
  await b.close();
});

test("a device clock three hours ahead causes no refresh storm", async () => {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    const skew = 3 * 3600 * 1000;
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() + skew;
  });
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  await client(page);
  const nonce = randomToken();
  const token = await demoIdToken("bob", nonce);
  const before = refreshes.length;
  await page.evaluate(async ({ token, nonce }) => window.kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce }), { token, nonce });
  await page.waitForTimeout(3000);
  assert.equal(refreshes.length - before, 0, "the schedule follows expires_in from the local receipt time, not the server's expires_at");
  assert.deepEqual(await page.evaluate(() => window.kithEvents.map((e) => e[0])), ["INITIAL_SESSION", "SIGNED_IN"]);
  await page.close();
});

test("auto-refresh waits while the browser is offline and refreshes once it is back online", async () => {
  const page = await openTab();
  await client(page, { refreshMarginSeconds: 3598 }); // due 2 s after receipt
  const nonce = randomToken();
  const token = await demoIdToken("bob", nonce);
  await page.evaluate(async ({ token, nonce }) => window.kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce }), { token, nonce });
  const before = refreshes.length;
  await browser.context.setOffline(true);
  try {
    await page.waitForTimeout(3500);
    assert.equal(refreshes.length - before, 0, "no refresh attempt while offline");
  } finally {
    await browser.context.setOffline(false);
  }
  await page.waitForFunction(() => window.kithEvents.some((e) => e[0] === "TOKEN_REFRESHED"), null, { timeout: 10_000 });
  assert.equal(refreshes.length - before, 1);
  await page.close();
});

test("linkIdentity attaches a second provider to the signed-in user and unlinkIdentity keeps the last one", async () => {
  // A second provider in the demo project: the same dev OP under another name, as a second
  // OIDC tenant would be.
  const cfg = await (await fetch(`${stack.demo}/config.json`)).json();
  const discovery = await (await fetch(`${stack.op}/.well-known/openid-configuration`)).json();
  const put = await fetch(`${stack.worker}/admin/projects/${cfg.projectId}/providers/oidc%3Asecond`, {
    method: "PUT",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ client_id: "kith-demo", issuer: discovery.issuer, authorization_endpoint: discovery.authorization_endpoint, token_endpoint: discovery.token_endpoint, jwks_uri: discovery.jwks_uri }),
  });
  assert.equal(put.status, 200, await put.text());
  const page = await openTab();
  await client(page);
  const [n1, n2] = [randomToken(), randomToken()];
  const [first, second] = [await demoIdToken("alice", n1), await demoIdToken("alice", n2)];
  const result = await page.evaluate(async ({ first, second, n1, n2 }) => {
    const codeOf = async (p) => p.then(() => "ok", (e) => e.code);
    const session = await window.kith.signInWithSocial({ provider: "oidc:dev", id_token: first, nonce: n1 });
    const linked = await window.kith.linkIdentity({ provider: "oidc:second", id_token: second, nonce: n2 });
    const afterUnlink = await window.kith.unlinkIdentity({ provider: "oidc:dev" });
    const last = await codeOf(window.kith.unlinkIdentity({ provider: "oidc:second" }));
    const providers = (u) => u.identities.map((i) => i.provider).sort();
    return { same: linked.id === session.user.id, linked: providers(linked), afterUnlink: providers(afterUnlink), last };
  }, { first, second, n1, n2 });
  assert.deepEqual(result, { same: true, linked: ["oidc:dev", "oidc:second"], afterUnlink: ["oidc:second"], last: "last_identity" });
  await page.close();
});
