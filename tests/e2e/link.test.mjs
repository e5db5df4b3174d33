// Linking GitHub from the SDK in Chromium: signed in with the dev OP, the app calls
// linkIdentity({provider: "github"}) (no id_token: the redirect flow with PKCE, state and
// nonce), the GitHub stand-in sends the browser back with a code, and handleRedirectCallback
// links it with the session's Bearer (USER_UPDATED). The same GitHub account for another user
// is refused with 409 identity_already_linked, surfaced as a KithError; nothing is written.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { startStandin } from "../support/standins.mjs";
import { randomToken } from "../support/pkce.mjs";

let stack, browser, github;
const octocat = { id: 583231, login: "octocat", name: "The Octocat", emails: [{ email: "alice@example.com", primary: true, verified: true, visibility: "public" }] };

before(async () => {
  stack = await startStack({ opPort: 9440, workerPort: 8827, demoPort: 5213 });
  browser = await launchBrowser();
  github = await startStandin("github");
  const cfg = await (await fetch(`${stack.demo}/config.json`)).json();
  const put = await fetch(`${stack.worker}/admin/projects/${cfg.projectId}/providers/github`, {
    method: "PUT",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_id: "kith-client", client_secret: "kith-secret", authorization_endpoint: `${github.origin}/login/oauth/authorize`,
      token_endpoint: `${github.origin}/login/oauth/access_token`, userinfo_endpoint: `${github.origin}/user`,
    }),
  });
  assert.equal(put.status, 200, await put.text());
});

after(async () => {
  await browser?.close();
  await github?.close();
  await stack?.stop();
});

/** A tab on the demo page signed in as `account` of the dev OP (id_token form). */
async function signedInTab(account) {
  const page = await browser.newPage();
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  const nonce = randomToken();
  const token = await stack.idToken(account, nonce);
  await page.evaluate(async ({ token, nonce }) => {
    const { createClient } = await import("/pkg/index.js");
    const cfg = await (await fetch("/config.json")).json();
    const kith = createClient({ baseUrl: cfg.baseUrl, projectId: cfg.projectId });
    await kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce });
  }, { token, nonce });
  return page;
}

/** Starts linkIdentity({provider: "github"}) and waits until the demo page handled the return. */
async function linkGithub(page) {
  const back = page.waitForURL((u) => u.href.startsWith(stack.demo) && u.searchParams.has("code"), { timeout: 20_000 });
  await page.evaluate(async () => {
    const { createClient } = await import("/pkg/index.js");
    const cfg = await (await fetch("/config.json")).json();
    const kith = createClient({ baseUrl: cfg.baseUrl, projectId: cfg.projectId });
    kith.linkIdentity({ provider: "github" }); // navigates away
  });
  await back;
  await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
}

const identities = (page) => page.evaluate(async () => {
  const { createClient } = await import("/pkg/index.js");
  const cfg = await (await fetch("/config.json")).json();
  const user = await createClient({ baseUrl: cfg.baseUrl, projectId: cfg.projectId }).getUser();
  return { id: user.id, providers: user.identities.map((i) => i.provider).sort() };
});

test("linkIdentity({provider: 'github'}) while signed in with the dev OP: after the redirect the user has both identities (USER_UPDATED)", async () => {
  const page = await signedInTab("alice");
  const before = await identities(page);
  assert.deepEqual(before.providers, ["oidc:dev"]);
  github.signInNext({ identity: octocat });
  await linkGithub(page);
  assert.equal(await page.getAttribute("#error", "hidden"), "", await page.textContent("#error"));
  assert.equal(await page.evaluate(() => document.body.dataset.lastEvent), "USER_UPDATED");
  assert.equal(await page.evaluate(() => location.search), "", "code and state left the address bar");
  const after = await identities(page);
  assert.deepEqual(after, { id: before.id, providers: ["github", "oidc:dev"] });
  await page.close();
});

test("linking a GitHub account that belongs to another user is refused with identity_already_linked as a KithError, and nothing is written", async () => {
  const page = await signedInTab("bob");
  const before = await identities(page);
  const rows = () => stack.d1("SELECT user_id FROM identities WHERE provider = 'github'");
  const owner = rows();
  assert.equal(owner.length, 1, "octocat is alice's (previous test)");
  github.signInNext({ identity: octocat });
  await linkGithub(page);
  const error = await page.evaluate(() => ({ code: document.querySelector("#error").dataset.code, text: document.querySelector("#error").textContent }));
  assert.equal(error.code, "identity_already_linked", error.text);
  assert.deepEqual(await identities(page), before, "bob still has only his own identity");
  assert.deepEqual(rows(), owner, "nothing written");
  await page.close();
});
