// The packed npm tarball as apps consume it: a tiny Vite app and a plain HTML page, each
// installing `kith-sdk` from `npm pack` output, signing in against the real Worker.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, normalize } from "node:path";
import { randomUUID } from "node:crypto";
import { startStack } from "../support/stack.mjs";
import { launchBrowser } from "../support/browser.mjs";
import { randomToken } from "../support/pkce.mjs";
import { ROOT } from "../support/worker.mjs";

let stack, browser, work;
const servers = [];
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

function serve(dir) {
  const server = http.createServer((req, res) => {
    const path = normalize(new URL(req.url, "http://x").pathname).replace(/^(\.\.[/\\])+/, "");
    let file = join(dir, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

const APP = (importFrom) => `
  import { createClient, KithError } from "${importFrom}";
  window.signIn = async (options, token, nonce) => {
    const kith = createClient(options);
    const session = await kith.signInWithSocial({ provider: "oidc:dev", id_token: token, nonce });
    return { email: session.user.email, stored: kith.getSession().user.email, kithError: typeof KithError };
  };
  document.body.dataset.ready = "true";
`;

before(async () => {
  stack = await startStack({ opPort: 9430, workerPort: 8817, demoPort: 5203 });
  browser = await launchBrowser();
  work = mkdtempSync(join(tmpdir(), "kith-apps-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: join(ROOT, "pkg"), encoding: "utf8" }));
  const tarball = join(work, packed[0].filename);
  for (const app of ["plain", "vite"]) {
    mkdirSync(join(work, app));
    writeFileSync(join(work, app, "package.json"), JSON.stringify({ name: `kith-${app}-app`, private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", tarball], { cwd: join(work, app), stdio: "ignore" });
  }
  writeFileSync(join(work, "plain", "index.html"), `<!doctype html><body><script type="module">${APP("./node_modules/kith-sdk/index.js")}</script></body>`);
  writeFileSync(join(work, "vite", "index.html"), `<!doctype html><body><script type="module" src="/main.js"></script></body>`);
  writeFileSync(join(work, "vite", "main.js"), APP("kith-sdk"));
  execFileSync(join(ROOT, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], { cwd: join(work, "vite"), stdio: "inherit" });
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await browser?.close();
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signInFrom(origin) {
  const pid = randomUUID();
  const admin = (path, body) => fetch(`${stack.worker}${path}`, {
    method: "PUT", headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" }, body: JSON.stringify(body),
  });
  assert.equal((await admin(`/admin/projects/${pid}`, { name: "App", allowed_origins: [origin], redirect_urls: [`${origin}/`] })).status, 200);
  const provider = await admin(`/admin/projects/${pid}/providers/oidc%3Adev`, {
    client_id: "kith-demo", issuer: stack.op, authorization_endpoint: `${stack.op}/auth`, token_endpoint: `${stack.op}/token`, jwks_uri: `${stack.op}/jwks`,
  });
  assert.equal(provider.status, 200);
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready=true]", { state: "attached" });
  const nonce = randomToken();
  const token = await stack.idToken("alice", nonce);
  const result = await page.evaluate(({ options, token, nonce }) => window.signIn(options, token, nonce), {
    options: { baseUrl: stack.worker, projectId: pid }, token, nonce,
  });
  await page.close();
  return result;
}

test("a plain HTML page importing the packed tarball signs in", async () => {
  const origin = await serve(join(work, "plain"));
  assert.deepEqual(await signInFrom(origin), { email: "alice@example.com", stored: "alice@example.com", kithError: "function" });
});

test("a Vite app bundling the packed tarball signs in", async () => {
  assert.ok(existsSync(join(work, "vite", "dist", "index.html")), "vite build produced the app");
  const origin = await serve(join(work, "vite", "dist"));
  assert.deepEqual(await signInFrom(origin), { email: "alice@example.com", stored: "alice@example.com", kithError: "function" });
});
