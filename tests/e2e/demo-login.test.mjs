// The demo login in a real headless Chromium: the page imports the packed SDK, the user
// clicks "Sign in", logs in and consents at the real oidc-provider, comes back and is signed
// in through the real Worker (wrangler dev, local D1).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { verifyAccessToken } from "../support/jwt.mjs";

let stack, browser, page;
const loginPosts = [];

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on("request", (r) => {
    if (r.url().endsWith("/api/auth/login/social") && r.method() === "POST") loginPosts.push(r.url());
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/**
 * Clicks "Sign in" and plays the user at the OP (login form, consent form, or neither when
 * the OP remembers both) until the browser is back on the demo page. Returns the callback
 * URL the OP redirected to.
 */
async function signIn(account) {
  const back = (u) => u.href.startsWith(stack.demo);
  let callback;
  const seen = (f) => {
    if (f === page.mainFrame() && back(new URL(f.url())) && f.url().includes("state=")) callback ??= f.url();
  };
  page.on("framenavigated", seen);
  try {
    await page.click("#sign-in");
    const deadline = Date.now() + 30_000;
    while (!callback) {
      if (Date.now() > deadline) throw new Error(`no callback; stuck at ${page.url()}`);
      if (back(new URL(page.url()))) {
        await page.waitForTimeout(50);
        continue;
      }
      await page.waitForLoadState("load");
      const submit = page.locator('form button[type="submit"]');
      if (await page.locator('input[name="login"]').count()) {
        await page.fill('input[name="login"]', account);
        await page.fill('input[name="password"]', "any");
      }
      if (await submit.count()) {
        await Promise.all([page.waitForNavigation(), submit.first().click()]);
      } else {
        await page.waitForTimeout(50);
      }
    }
    await page.waitForSelector("body[data-ready=true]");
  } finally {
    page.off("framenavigated", seen);
  }
  return callback;
}

/** Clicks "Sign out" (which calls the Worker) and waits until the page shows nobody. */
async function signOut() {
  await page.click("#sign-out");
  await page.waitForFunction(() => document.querySelector("#user-email").textContent === "nobody");
}

async function storedSession() {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("kith.session."));
    return key ? JSON.parse(localStorage.getItem(key)) : null;
  });
}

let firstUserId;

test("clicking Sign in completes a real login and shows the account's email", async () => {
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.textContent("#user-email"), "nobody");
  await signIn("alice");
  assert.equal(await page.textContent("#user-email"), "alice@example.com");
  assert.ok(!page.url().includes("code="), "code removed from the address bar");
  assert.equal(loginPosts.length, 1);

  const session = await storedSession();
  assert.ok(session, "session in localStorage");
  const claims = await verifyAccessToken(session.access_token, `${stack.worker}/.well-known/jwks.json`);
  assert.ok(claims, "the access token verifies against /.well-known/jwks.json");
  assert.equal(claims.email, "alice@example.com");
  assert.equal(claims.sub, session.user.id);
  firstUserId = session.user.id;

  assert.deepEqual(stack.d1("SELECT count(*) AS n FROM users"), [{ n: 1 }]);
  assert.deepEqual(stack.d1("SELECT provider, subject FROM identities"), [{ provider: "oidc:dev", subject: "alice" }]);
});

test("a second login of the same account yields the same user id", async () => {
  await signOut();
  await signIn("alice");
  assert.equal(await page.textContent("#user-email"), "alice@example.com");
  const session = await storedSession();
  assert.equal(session.user.id, firstUserId);
  assert.deepEqual(stack.d1("SELECT count(*) AS n FROM users"), [{ n: 1 }]);
  assert.deepEqual(stack.d1("SELECT count(*) AS n FROM identities"), [{ n: 1 }]);
});

test("a callback with a wrong state is refused with state_mismatch and posts nothing", async () => {
  const posts = loginPosts.length;
  await page.goto(`${stack.demo}/?code=stolen-code&state=not-the-state`);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.getAttribute("#error", "data-code"), "state_mismatch");
  assert.equal(loginPosts.length, posts, "no sign-in request was sent");
  assert.ok(!page.url().includes("stolen-code"), "the one-time parameters are removed from the URL");
});

test("a replayed callback URL is refused with state_mismatch", async () => {
  await signOut();
  const callback = await signIn("alice");
  assert.ok(callback, "saw the OP's redirect back with code and state");
  assert.equal(await page.textContent("#user-email"), "alice@example.com");
  const posts = loginPosts.length;
  await page.goto(callback);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.getAttribute("#error", "data-code"), "state_mismatch");
  assert.equal(loginPosts.length, posts, "the replay sent nothing to the Worker");
});
