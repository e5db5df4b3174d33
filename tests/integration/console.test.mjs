// The admin console as the Worker serves it (real workerd): its headers (CSP without inline
// script, no framing, content types), a shell that loads without the admin token, and every
// admin API call the console's code makes refused without the token (401 unauthorized).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startWorker } from "../support/worker.mjs";

let w;
const PID = randomUUID();

before(async () => {
  w = await startWorker();
  const r = await w.admin("PUT", `/admin/projects/${PID}`, { name: "Console", allowed_origins: [], redirect_urls: [] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

after(async () => {
  await w?.close();
});

const get = (path, headers = {}) => fetch(w.url + path, { headers });

function assertHardened(res, type) {
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), type);
  const csp = res.headers.get("content-security-policy") ?? "";
  const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives["default-src"], ["'none'"]);
  assert.deepEqual(directives["script-src"], ["'self'"], "scripts only from this origin: no inline script, no eval");
  assert.deepEqual(directives["style-src"], ["'self'"]);
  assert.deepEqual(directives["connect-src"], ["'self'"], "the token is sent only to this Worker");
  assert.deepEqual(directives["frame-ancestors"], ["'none'"]);
  assert.deepEqual(directives["base-uri"], ["'none'"]);
  assert.ok(!csp.includes("unsafe"), csp);
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("referrer-policy"), "no-referrer");
}

/** The console's files, as the page references them (stylesheet, entry module, its imports). */
async function consoleFiles() {
  const html = await (await get("/admin/console")).text();
  const refs = [...html.matchAll(/(?:src|href)="(\/admin\/console\/[^"]+)"/g)].map((m) => m[1]);
  const files = new Map();
  const queue = [...refs];
  while (queue.length) {
    const path = queue.shift();
    if (files.has(path)) continue;
    const res = await get(path);
    const text = await res.text();
    files.set(path, { res, text });
    for (const m of text.matchAll(/from "\.\/([a-z]+\.js)"/g)) queue.push(`/admin/console/${m[1]}`);
  }
  return { html, files };
}

test("the console shell loads without a token, with a strict CSP and no framing", async () => {
  const res = await get("/admin/console");
  assertHardened(res, "text/html; charset=utf-8");
  const html = await res.text();
  assert.match(html, /<label for="admin-token">Admin token<\/label>/);
  for (const tag of html.match(/<script[^>]*>/g)) assert.match(tag, /src="\/admin\/console\//, "every script is a file");
  assert.doesNotMatch(html, /<script(?![^>]*src=)[^>]*>/, "no inline script");
  assert.doesNotMatch(html, /\son[a-z]+="/, "no inline event handler");
  assert.doesNotMatch(html, /\sstyle="/, "no inline style");
  assert.equal((await get("/admin/console/")).status, 200);
});

test("every file the console loads is served with its content type and the same headers", async () => {
  const { files } = await consoleFiles();
  assert.ok(files.size >= 8, `found ${[...files.keys()]}`);
  for (const [path, { res, text }] of files) {
    assertHardened(res, path.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    assert.doesNotMatch(text, /\beval\(|new Function\(|innerHTML|localStorage|document\.cookie/, `${path} stays within the CSP and keeps the token out of storage that outlives the tab`);
  }
  const unknown = await get("/admin/console/secrets.env");
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error, "not_found");
});

test("every admin API call the console makes is refused without the token, and answered with it", async () => {
  const { files } = await consoleFiles();
  const source = [...files.values()].map((f) => f.text).join("\n");
  // The calls in the console's code: api("METHOD", "/path") or api("METHOD", projectPath(pid, `/rest`)).
  const calls = [...source.matchAll(/api\("(GET|PUT|POST|DELETE)", (?:"([^"]+)"|projectPath\(pid(?:, [`"]([^`"]*)[`"])?\))/g)]
    .map(([, method, plain, rest]) => `${method} ${plain ?? `/admin/projects/{pid}${(rest ?? "").replace(/\$\{[^}]+\}/g, "{}")}`}`);
  const expected = [
    "GET /admin/projects", "PUT /admin/projects/{pid}", "GET /admin/projects/{pid}/providers",
    "PUT /admin/projects/{pid}/providers/{}", "GET /admin/projects/{pid}/users{}",
    "PUT /admin/projects/{pid}/users/{}/roles", "POST /admin/projects/{pid}/users/{}/revoke-sessions",
    "DELETE /admin/projects/{pid}/users/{}",
  ];
  assert.deepEqual([...new Set(calls)].sort(), [...expected].sort(), "the console calls exactly these routes");
  const uid = randomUUID();
  const concrete = {
    "GET /admin/projects": ["GET", "/admin/projects"],
    "PUT /admin/projects/{pid}": ["PUT", `/admin/projects/${PID}`, { name: "x" }],
    "GET /admin/projects/{pid}/providers": ["GET", `/admin/projects/${PID}/providers`],
    "PUT /admin/projects/{pid}/providers/{}": ["PUT", `/admin/projects/${PID}/providers/github`, { client_id: "c" }],
    "GET /admin/projects/{pid}/users{}": ["GET", `/admin/projects/${PID}/users?email=a%40example.com`],
    "PUT /admin/projects/{pid}/users/{}/roles": ["PUT", `/admin/projects/${PID}/users/${uid}/roles`, { roles: ["admin"] }],
    "POST /admin/projects/{pid}/users/{}/revoke-sessions": ["POST", `/admin/projects/${PID}/users/${uid}/revoke-sessions`],
    "DELETE /admin/projects/{pid}/users/{}": ["DELETE", `/admin/projects/${PID}/users/${uid}`],
  };
  for (const key of expected) {
    const [method, path, body] = concrete[key];
    for (const authorization of [undefined, "Bearer wrong-token", `Basic ${w.secrets.ADMIN_TOKEN}`, w.secrets.ADMIN_TOKEN]) {
      const res = await fetch(w.url + path, {
        method,
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      assert.equal(res.status, 401, `${key} with ${authorization ?? "no"} authorization`);
      assert.equal((await res.json()).error, "unauthorized");
    }
  }
  const listed = await w.admin("GET", "/admin/projects");
  assert.equal(listed.status, 200);
  assert.ok(listed.body.projects.some((p) => p.id === PID && p.name === "Console"));
  assert.equal((await w.admin("GET", `/admin/projects/${PID}/users?email=a%40example.com`)).body.users.length, 0);
});

test("GET /admin/projects is the only method on the project list", async () => {
  const res = await w.admin("POST", "/admin/projects", {});
  assert.equal(res.status, 405);
  assert.equal(res.body.error, "method_not_allowed");
});
