// Additional scopes and the provider-token vault from a real page in Chromium: the SDK's
// redirect sign-in asks the Google stand-in for the configured scopes plus the extra ones
// (with include_granted_scopes), and `getProviderToken` returns the token and the granted
// scopes — refreshed by the Worker once it is near expiry. The Worker runs in workerd with D1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { readFileSync, existsSync, statSync } from "node:fs";
import { join, extname, normalize } from "node:path";
import { randomUUID } from "node:crypto";
import { startWorker, ROOT } from "../support/worker.mjs";
import { startStandin } from "../support/standins.mjs";
import { launchBrowser } from "../support/browser.mjs";

const DRIVE = "https://www.googleapis.com/auth/drive.readonly";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
let worker, google, browser, app, appUrl, lastExpiry;
const pid = randomUUID();

/** The page: `/pkg/*` from the package, anything else an empty HTML page. */
function serveApp() {
  app = http.createServer((req, res) => {
    const path = normalize(new URL(req.url, "http://x").pathname).replace(/^(\.\.[/\\])+/, "");
    const file = join(ROOT, path);
    if (path.startsWith("/pkg/") && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      return res.end(readFileSync(file));
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<!doctype html><title>vault</title>");
  });
  return new Promise((resolve) => app.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${app.address().port}`)));
}

before(async () => {
  assert.ok(existsSync(join(ROOT, "pkg", "wasm", "kith_sdk_bg.wasm")), "build the SDK first (scripts/build.sh sdk)");
  [worker, google, appUrl] = await Promise.all([startWorker(), startStandin("google", { accessTtl: 63 }), serveApp()]);
  browser = await launchBrowser();
  const project = await worker.admin("PUT", `/admin/projects/${pid}`, {
    name: "Vault e2e", allowed_origins: [appUrl], redirect_urls: [`${appUrl}/callback`],
  });
  assert.equal(project.status, 200, JSON.stringify(project.body));
  const provider = await worker.admin("PUT", `/admin/projects/${pid}/providers/google`, {
    client_id: "kith-client", client_secret: "kith-secret", authorization_endpoint: `${google.origin}/authorize`,
    token_endpoint: `${google.origin}/token`, jwks_uri: `${google.origin}/jwks`,
    options: { expose_tokens_to_client: true },
  });
  assert.equal(provider.status, 200, JSON.stringify(provider.body));
});

after(async () => {
  await browser?.close();
  await Promise.allSettled([worker?.close(), google?.close(), new Promise((r) => (app ? app.close(r) : r()))]);
});

const client = (page) =>
  page.evaluate(async ({ baseUrl, projectId }) => {
    const { createClient } = await import("/pkg/index.js");
    window.kith = createClient({ baseUrl, projectId });
  }, { baseUrl: worker.url, projectId: pid });

test("a redirect sign-in with extra scopes; getProviderToken answers the token and the granted scopes, and refreshes it near expiry", async () => {
  google.signInAs({ sub: "g-e2e", email: "eve@example.com", email_verified: true, name: "Eve" });
  const page = await browser.newPage();
  await page.goto(`${appUrl}/`);
  await client(page);
  const back = page.waitForURL(`${appUrl}/callback?**`);
  await page.evaluate(({ redirectUri, scopes }) => {
    window.kith.signInWithRedirect({ provider: "google", redirectUri, scopes }).catch((e) => (window.failed = e));
  }, { redirectUri: `${appUrl}/callback`, scopes: [DRIVE, "email"] });
  await back;
  const asked = google.seen.authorize.at(-1);
  assert.equal(asked.scope, `openid email profile ${DRIVE}`, "configured scopes first, then the extra one, deduplicated");
  assert.equal(asked.include_granted_scopes, "true");
  assert.equal(asked.access_type, "offline");
  assert.equal(asked.prompt, "consent");

  await client(page);
  const first = await page.evaluate(async () => {
    const session = await window.kith.handleRedirectCallback();
    const token = await window.kith.getProviderToken({ provider: "google" });
    return { email: session.user.email, token };
  });
  assert.equal(first.email, "eve@example.com");
  assert.equal(first.token.access_token, google.issued.access.at(-1));
  assert.deepEqual(first.token.scopes, ["openid", "email", "profile", DRIVE]);
  assert.ok(first.token.expires_at > Date.now() / 1000 + 60);
  const refreshesBefore = google.seen.refresh;

  // 63 s tokens: inside the 60 s margin after a few seconds.
  await new Promise((r) => setTimeout(r, (first.token.expires_at - 60 - Date.now() / 1000 + 1) * 1000));
  const second = await page.evaluate(() => window.kith.getProviderToken({ provider: "google" }));
  assert.equal(google.seen.refresh - refreshesBefore, 1, "one refresh at the provider");
  assert.notEqual(second.access_token, first.token.access_token);
  assert.equal(second.access_token, google.issued.access.at(-1));
  assert.deepEqual(second.scopes, ["openid", "email", "profile", DRIVE]);
  lastExpiry = second.expires_at;
  await page.close();
});

test("getProviderToken's refusals are KithErrors with the Worker's code: not exposed, then a revoked grant", async () => {
  // The same browser profile: the page is still signed in from the test above.
  const page = await browser.newPage();
  await page.goto(`${appUrl}/`);
  await client(page);
  const read = () => page.evaluate(() => window.kith.getProviderToken({ provider: "google" })
    .then((t) => ({ token: t.access_token }), (e) => ({ code: e.code, name: e.name, status: e.status })));
  const put = (expose) => worker.admin("PUT", `/admin/projects/${pid}/providers/google`, {
    client_id: "kith-client", authorization_endpoint: `${google.origin}/authorize`,
    token_endpoint: `${google.origin}/token`, jwks_uri: `${google.origin}/jwks`,
    options: { expose_tokens_to_client: expose },
  });
  assert.equal((await put(false)).status, 200);
  assert.deepEqual(await read(), { code: "token_access_denied", name: "KithError", status: 403 });
  assert.equal((await put(true)).status, 200);
  assert.ok((await read()).token, "exposed again");
  // The user removes the app at Google; once the token is near expiry the Worker's refresh is
  // refused: the token is dropped and the page is told to sign in again.
  google.revoke("g-e2e");
  await new Promise((r) => setTimeout(r, (lastExpiry - 60 - Date.now() / 1000 + 1) * 1000));
  assert.deepEqual(await read(), { code: "reauthorization_required", name: "KithError", status: 409 });
  assert.deepEqual(await read(), { code: "no_provider_token", name: "KithError", status: 404 });
  await page.close();
});
