// Sign in with Apple through the SDK in Chromium: the app calls signInWithRedirect({provider:
// "apple"}), the browser goes to an Apple stand-in on another origin, whose page auto-submits
// an HTML form POST (code, state, first-login user) to the Worker's relay, like Apple; the
// Worker answers 303 to the app page, where handleRedirectCallback signs in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { startStandin } from "../support/standins.mjs";

let stack, browser, apple, cfg;
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  stack = await startStack({ opPort: 9430, workerPort: 8817, demoPort: 5203 });
  browser = await launchBrowser();
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  apple = await startStandin("apple", {
    clientId: "com.example.web", teamId: "TEAM123456", keyId: "KEY1234567",
    applePublicKey: pair.publicKey.export({ format: "pem", type: "spki" }),
  });
  cfg = await (await fetch(`${stack.demo}/config.json`)).json();
  const put = await fetch(`${stack.worker}/admin/projects/${cfg.projectId}/providers/apple`, {
    method: "PUT",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_id: "com.example.web", team_id: "TEAM123456", key_id: "KEY1234567",
      private_key: pair.privateKey.export({ format: "pem", type: "pkcs8" }),
      authorization_endpoint: `${apple.origin}/auth/authorize`, token_endpoint: `${apple.origin}/token`, jwks_uri: `${apple.origin}/jwks`,
    }),
  });
  assert.equal(put.status, 200, await put.text());
});

after(async () => {
  await browser?.close();
  await apple?.close();
  await stack?.stop();
});

test("signInWithRedirect({provider: 'apple'}) goes through Apple's form_post and the Worker's relay and ends signed in with the first-login name", async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.demo}/`);
  await page.waitForSelector("body[data-ready=true]");
  apple.signInNext({
    claims: { iss: "https://appleid.apple.com", aud: "com.example.web", sub: "001.e2e", email: "ada@example.com", email_verified: "true", is_private_email: "false", iat: now(), exp: now() + 600 },
    user: { name: { firstName: "Ada", lastName: "Lovelace" }, email: "ada@example.com" },
  });
  const posts = [];
  page.on("request", (r) => {
    if (r.url().startsWith(stack.worker) && r.url().includes("/providers/apple/callback")) posts.push({ method: r.method(), from: r.frame().url(), body: r.postData() ?? "" });
  });
  const relayed = page.waitForResponse((r) => r.url().includes("/providers/apple/callback"));
  await page.evaluate(async (redirectUri) => {
    const { createClient } = await import("/pkg/index.js");
    const cfg = await (await fetch("/config.json")).json();
    const kith = createClient({ baseUrl: cfg.baseUrl, projectId: cfg.projectId });
    // Navigates away: not awaited past the navigation.
    kith.signInWithRedirect({ provider: "apple", redirectUri });
  }, cfg.redirectUri);
  const relay = await relayed;
  assert.equal(relay.status(), 303);
  assert.ok(relay.headers().location.startsWith(cfg.redirectUri));
  await page.waitForFunction(() => document.querySelector("#user-email")?.textContent === "ada@example.com", null, { timeout: 20_000 });
  // Apple's page posted from its own origin; the verifier never travelled.
  assert.equal(posts.length, 1);
  assert.equal(posts[0].method, "POST");
  assert.ok(posts[0].from.startsWith(apple.origin), posts[0].from);
  assert.match(posts[0].body, /(^|&)code=/);
  assert.doesNotMatch(posts[0].body, /code_verifier/);
  const result = await page.evaluate(async () => {
    const { createClient } = await import("/pkg/index.js");
    const cfg = await (await fetch("/config.json")).json();
    const kith = createClient({ baseUrl: cfg.baseUrl, projectId: cfg.projectId });
    const user = await kith.getUser();
    const flows = Object.keys(sessionStorage).filter((k) => k.startsWith("kith.flow."));
    return { name: user.name, providers: user.identities.map((i) => i.provider), search: location.search, flows };
  });
  assert.deepEqual(result, { name: "Ada Lovelace", providers: ["apple"], search: "", flows: [] });
  assert.equal(await page.getAttribute("#error", "hidden"), "");
  await page.close();
});
