// The isolate's configuration cache (one D1 round trip for a returning sign-in and a refresh)
// against the real Worker in workerd: a cached configuration can never let through what the
// current one refuses — a disabled provider, a removed origin, a lowered rate limit — and
// nothing of such a request is written.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startWorker } from "../support/worker.mjs";
import { startForge } from "../support/forge.mjs";

const ORIGIN = "https://app.example";
// The Worker behind a Proxy of env.DB that reports the D1 batches of each request.
const COUNTING_ENTRY = `
import Kith from "./index.js";
export default {
  async fetch(request, env, ctx) {
    let trips = 0;
    const DB = new Proxy(env.DB, { get(t, p) {
      const v = Reflect.get(t, p);
      if (p === "batch") return (...a) => { trips++; return v.apply(t, a); };
      return typeof v === "function" && p !== "constructor" ? v.bind(t) : v;
    } });
    const wrapped = new Proxy(env, { get: (t, p) => (p === "DB" ? DB : Reflect.get(t, p)) });
    const res = await Kith.prototype.fetch.call({ env: wrapped, ctx }, request);
    const out = new Response(res.body, res);
    out.headers.set("x-d1-batches", String(trips));
    return out;
  },
};`;

let forge, kith;
before(async () => {
  forge = await startForge();
  kith = await startWorker({ entry: COUNTING_ENTRY });
});
after(async () => {
  await kith?.close();
  await forge?.close();
});

const project = (pid, extra = {}) =>
  kith.admin("PUT", `/admin/projects/${pid}`, {
    name: "Cache", allowed_origins: [ORIGIN], redirect_urls: [], settings: { sign_in_per_minute: 100, refresh_per_minute: 100 }, ...extra,
  });
const provider = (pid, extra = {}) => kith.admin("PUT", `/admin/projects/${pid}/providers/oidc%3Aforge`, forge.provider("app", extra));

async function newProject() {
  const pid = randomUUID();
  assert.equal((await project(pid)).status, 200);
  assert.equal((await provider(pid)).status, 200);
  return pid;
}

async function post(pid, path, body, headers = {}) {
  const res = await fetch(kith.url + path, {
    method: "POST", headers: { "content-type": "application/json", "project-id": pid, origin: ORIGIN, ...headers }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), batches: Number(res.headers.get("x-d1-batches")) };
}

const signIn = (pid, sub, headers) => {
  const nonce = randomUUID();
  return post(pid, "/api/auth/login/social", { provider: "oidc:forge", id_token: forge.token({ aud: "app", sub, nonce }), nonce }, headers);
};

const users = async (pid) => (await kith.db.prepare("SELECT count(*) AS n FROM users WHERE project_id = ?").bind(pid).first()).n;

test("a returning user's sign-in and a refresh take one D1 round trip once the configuration is cached", async () => {
  const pid = await newProject();
  const first = await signIn(pid, "alice");
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.batches, 2, "the first request reads the configuration");
  const again = await signIn(pid, "alice");
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.batches, 1, "returning user, cached configuration: one batch");
  const refreshed = await post(pid, "/api/auth/refresh", { refresh_token: again.body.refresh_token });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  assert.equal(refreshed.batches, 1, "refresh: one batch");
});

test("a provider disabled after the configuration was cached is refused and nothing is written", async () => {
  const pid = await newProject();
  assert.equal((await signIn(pid, "warm")).status, 200);
  assert.equal((await provider(pid, { enabled: false })).status, 200);
  const res = await signIn(pid, "bob");
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.equal(res.body.error, "provider_not_enabled");
  assert.equal(await users(pid), 1, "bob was not created");
});

test("an origin removed after the configuration was cached is refused and nothing is written", async () => {
  const pid = await newProject();
  assert.equal((await signIn(pid, "warm")).status, 200);
  assert.equal((await project(pid, { allowed_origins: ["https://other.example"] })).status, 200);
  const res = await signIn(pid, "carol");
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.error, "origin_not_allowed");
  assert.equal(await users(pid), 1, "carol was not created");
});

test("a rate limit lowered after the configuration was cached holds at once", async () => {
  const pid = await newProject();
  assert.equal((await signIn(pid, "warm")).status, 200);
  assert.equal((await project(pid, { settings: { sign_in_per_minute: 1, refresh_per_minute: 100 } })).status, 200);
  const statuses = [];
  for (const sub of ["d1", "d2", "d3"]) statuses.push((await signIn(pid, sub)).status);
  // One sign-in per minute now (the cached limit was 100): whichever minute each request
  // falls in, at most one of the three fits, and the others are 429s that wrote nothing.
  const admitted = statuses.filter((s) => s === 200).length;
  assert.ok(admitted <= 1 && statuses.every((s) => s === 200 || s === 429), String(statuses));
  assert.equal(await users(pid), 1 + admitted, "the refused sign-ins wrote nothing");
});
