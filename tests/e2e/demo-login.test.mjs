// The demo in a real headless Chromium: the page imports the packed SDK and offers every way
// in — the project's providers as redirect buttons (the real oidc-provider, and a GitHub-like
// stand-in), an id_token from a popup (One Tap style) and the server-driven flow — through the
// real Worker (wrangler dev, local D1). It shows the session, its events and identities.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { verifyAccessToken } from "../support/jwt.mjs";
import { signInOnDemo, playOp, storedSession, loggedEvents } from "../support/demo.mjs";

let stack, browser, page;
const posts = [];

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push({ url: r.url(), body: r.postData() ?? "" });
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const loginPosts = () => posts.filter((p) => p.url.endsWith("/api/auth/login/social"));
const signIn = (account, selector) => signInOnDemo(page, stack.demo, account, selector);
const text = (sel) => page.locator(sel).innerText();
const identities = () => page.$$eval("#identities li", (lis) => lis.map((li) => li.dataset.provider).sort());

/** Clicks "Sign out (this browser)" and waits until the page shows nobody. */
async function signOut(selector = "#sign-out") {
  await page.click(selector);
  await page.waitForFunction(() => document.querySelector("#user-email").textContent === "nobody");
}

let firstUserId;

test("the project's providers are buttons, and the dev OP's completes a real login", async () => {
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await text("#user-email"), "nobody");
  const buttons = await page.$$eval("#provider-buttons button", (bs) => bs.map((b) => b.dataset.provider).sort());
  assert.deepEqual(buttons, ["github", "oidc:dev"], "from GET /api/auth/providers");
  await signIn("alice");
  assert.equal(await text("#user-email"), "alice@example.com");
  assert.ok(!page.url().includes("code="), "code removed from the address bar");
  assert.equal(loginPosts().length, 1);

  const session = await storedSession(page);
  const claims = await verifyAccessToken(session.access_token, `${stack.worker}/.well-known/jwks.json`);
  assert.equal(claims.email, "alice@example.com");
  assert.equal(claims.sub, session.user.id);
  firstUserId = session.user.id;
  assert.equal(JSON.parse(await text("#claims")).sub, firstUserId, "the decoded claims are shown");
  assert.match(await text("#expires-in"), /^(59|60):\d\d$/, "a countdown to the token's expiry");
  const events = await loggedEvents(page);
  assert.deepEqual(events.slice(-2), ["INITIAL_SESSION", "SIGNED_IN"]);
  assert.deepEqual(await identities(), ["oidc:dev"]);
  assert.deepEqual(stack.d1("SELECT provider, subject FROM identities"), [{ provider: "oidc:dev", subject: "alice" }]);
});

test("a second login of the same account yields the same user id", async () => {
  await signOut();
  assert.ok((await loggedEvents(page)).includes("SIGNED_OUT"));
  await signIn("alice");
  assert.equal((await storedSession(page)).user.id, firstUserId);
  assert.deepEqual(stack.d1("SELECT count(*) AS n FROM users"), [{ n: 1 }]);
});

test("the GitHub-like provider's button signs the same person in through the verified email", async () => {
  await signOut();
  await signIn("octocat", 'button[data-provider="github"]');
  assert.equal(await text("#user-email"), "alice@example.com");
  assert.equal((await storedSession(page)).user.id, firstUserId, "merged by the vouched email");
  assert.deepEqual(await identities(), ["github", "oidc:dev"]);
});

test("an identity is unlinked and linked again from the page", async () => {
  await page.click('#identities li[data-provider="github"] button');
  await page.waitForFunction(() => document.querySelectorAll("#identities li").length === 1);
  assert.deepEqual(await identities(), ["oidc:dev"]);
  assert.equal((await loggedEvents(page)).at(-1), "USER_UPDATED");
  await page.click('#identities li[data-provider="oidc:dev"] button');
  await page.waitForSelector('#error[data-code="last_identity"]');
  await signIn("octocat", 'button[data-link="github"]');
  assert.deepEqual(await identities(), ["github", "oidc:dev"]);
  assert.deepEqual(stack.d1("SELECT count(*) AS n FROM identities"), [{ n: 2 }]);
});

test("an id_token from a popup (One Tap style) signs in with signInWithSocial", async () => {
  await signOut();
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#one-tap")]);
  const deadline = Date.now() + 30_000;
  while (!popup.isClosed() && Date.now() < deadline) await playOp(popup, "alice").catch(() => {});
  await page.waitForFunction(() => document.querySelector("#user-email").textContent === "alice@example.com");
  const post = loginPosts().at(-1);
  assert.match(post.body, /"id_token":"ey/, "the id_token form of the sign-in");
  assert.match(post.body, /"nonce":"/);
  assert.equal((await storedSession(page)).user.id, firstUserId);
  assert.equal((await loggedEvents(page)).at(-1), "SIGNED_IN");
});

test("the server-driven flow signs in through the Worker's callback and POST /oauth/token", async () => {
  await signOut();
  await signIn("alice", "#server-flow");
  await page.waitForFunction(() => document.querySelector("#user-email").textContent === "alice@example.com");
  assert.match(await text("#session-via"), /server-driven flow/);
  assert.equal(new URL(page.url()).pathname, "/", "the one-time code is gone from the address bar");
  assert.ok(posts.some((p) => p.url === `${stack.worker}/oauth/token` && p.body.includes("code_verifier")));
  const claims = JSON.parse(await text("#claims"));
  assert.equal(claims.sub, firstUserId);
  await signOut();
});

test("a callback with a wrong state is refused with state_mismatch and posts nothing", async () => {
  const before = loginPosts().length;
  await page.goto(`${stack.demo}/?code=stolen-code&state=not-the-state`);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.getAttribute("#error", "data-code"), "state_mismatch");
  assert.equal(loginPosts().length, before, "no sign-in request was sent");
  assert.ok(!page.url().includes("stolen-code"), "the one-time parameters are removed from the URL");
});

test("a replayed callback URL is refused with state_mismatch", async () => {
  const callback = await signIn("alice");
  assert.ok(callback, "saw the OP's redirect back with code and state");
  assert.equal(await text("#user-email"), "alice@example.com");
  const before = loginPosts().length;
  await page.goto(callback);
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.getAttribute("#error", "data-code"), "state_mismatch");
  assert.equal(loginPosts().length, before, "the replay sent nothing to the Worker");
});

test("Call my API shows what the sample API saw, and says so when it is down", async () => {
  await page.click("#call-api");
  await page.waitForFunction(() => document.querySelector("#api-result").dataset.state);
  assert.equal(await page.getAttribute("#api-result", "data-state"), "ok");
  assert.equal(await text("#api-result"), `your API saw user ${firstUserId} (alice@example.com)`);
  // The sample API unreachable (its port refuses the connection): a clear line, not a stack trace.
  await page.route(stack.api, (route) => route.abort("connectionrefused"));
  try {
    await page.evaluate(() => delete document.querySelector("#api-result").dataset.state);
    await page.click("#call-api");
    await page.waitForFunction(() => document.querySelector("#api-result").dataset.state);
    assert.equal(await text("#api-result"), `The sample API at ${stack.api} is not running (npm run dev starts it).`);
  } finally {
    await page.unroute(stack.api);
  }
});

test("signing out everywhere ends every session of the user", async () => {
  assert.equal(await text("#user-email"), "alice@example.com");
  await signOut("#sign-out-global");
  assert.deepEqual(stack.d1(`SELECT count(*) AS n FROM sessions WHERE user_id = '${firstUserId}' AND revoked_at IS NULL`), [{ n: 0 }]);
});

test("an unvouched email gets the code screen: the masked address, a wrong code's error, then the right code signs in", async () => {
  const cfg = await (await fetch(`${stack.demo}/config.json`)).json();
  const admin = (method, path, body) => fetch(`${stack.worker}${path}`, {
    method, headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  // alice's user goes, so the unverified account's address has to be proven by the code.
  assert.equal((await admin("DELETE", `/admin/projects/${cfg.projectId}/users/${firstUserId}`)).status, 204);
  const discovery = await (await fetch(`${stack.op}/.well-known/openid-configuration`)).json();
  const put = await admin("PUT", `/admin/projects/${cfg.projectId}/providers/oidc%3Adev`, {
    client_id: "kith-demo", client_secret: "kith-demo-secret", issuer: discovery.issuer,
    authorization_endpoint: discovery.authorization_endpoint, token_endpoint: discovery.token_endpoint,
    jwks_uri: discovery.jwks_uri, scopes: ["openid", "email", "profile"], options: { verify_email: true },
  });
  assert.equal(put.status, 200, await put.text());
  await browser.context.clearCookies(); // log in afresh at the OP, as another account
  const sent = (await stack.messages("alice@example.com")).length;
  await signIn("alice-unverified");
  await page.waitForSelector("#otp:not([hidden])");
  assert.equal(await page.getAttribute("#error", "data-code"), "email_verification_required");
  assert.equal(await text("#otp-hint"), "a***e@example.com");
  assert.ok(await page.isHidden("#signed-out"), "the code screen replaces the sign-in choices");
  assert.equal(await page.evaluate(() => document.activeElement.id), "otp-title", "focus moves to the screen");
  const messages = await stack.messages("alice@example.com");
  assert.equal(messages.length, sent + 1, "the code reached the dev outbox");

  const right = messages.at(-1).code;
  await page.fill("#otp-code", right === "000000" ? "111111" : "000000");
  await page.click("#otp-verify");
  await page.waitForSelector("#otp-error:not([hidden])");
  assert.equal(await page.getAttribute("#otp-error", "data-code"), "invalid_code");
  assert.equal(await text("#user-email"), "nobody");

  await page.fill("#otp-code", right);
  await page.click("#otp-verify");
  await page.waitForFunction(() => document.querySelector("#user-email").textContent === "alice@example.com");
  assert.ok(await page.isHidden("#otp"));
  assert.equal((await loggedEvents(page)).at(-1), "SIGNED_IN");
  assert.deepEqual(stack.d1("SELECT subject FROM identities WHERE provider = 'oidc:dev'"), [{ subject: "alice-unverified" }]);
});
