// The isolate's configuration cache (one D1 round trip for a returning sign-in, a refresh, GET /user
// and the providers list) and D1 read replicas (the Sessions API and its bookmarks)
// against the real Worker in workerd: a cached configuration can never let through what the
// current one refuses — a disabled provider, a removed origin, a lowered rate limit — and
// nothing of such a request is written.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { startWorker } from "../support/worker.mjs";
import { startForge } from "../support/forge.mjs";

const ORIGIN = "https://app.example";
// The Worker behind a Proxy of env.DB that reports the D1 batches of each request (on the
// database or on a session of it) and where its sessions started.
const COUNTING_ENTRY = `
import Kith from "./index.js";
const counting = (db, seen) => new Proxy(db, { get(t, p) {
  const v = Reflect.get(t, p);
  if (p === "batch") return (...a) => { seen.trips++; return v.apply(t, a); };
  if (p === "withSession") return (...a) => { seen.starts.push(a[0]); return counting(v.apply(t, a), seen); };
  return typeof v === "function" && p !== "constructor" ? v.bind(t) : v;
} });
export default {
  async fetch(request, env, ctx) {
    const seen = { trips: 0, starts: [] };
    const DB = counting(env.DB, seen);
    const wrapped = new Proxy(env, { get: (t, p) => (p === "DB" ? DB : Reflect.get(t, p)) });
    const res = await Kith.prototype.fetch.call({ env: wrapped, ctx }, request);
    const out = new Response(res.body, res);
    out.headers.set("x-d1-batches", String(seen.trips));
    out.headers.set("x-d1-sessions", seen.starts.join(" "));
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

// D1 read replicas (the Sessions API): GET /user, which writes nothing, starts at the caller's
// bookmark, and every answer hands the caller the bookmark of its session.
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

async function get(pid, path, headers = {}) {
  const res = await fetch(kith.url + path, { headers: { "project-id": pid, origin: ORIGIN, ...headers } });
  return {
    status: res.status,
    body: await res.json(),
    batches: Number(res.headers.get("x-d1-batches")),
    sessions: res.headers.get("x-d1-sessions"),
    bookmark: res.headers.get("kith-bookmark"),
    exposed: res.headers.get("access-control-expose-headers"),
  };
}

async function signedIn(pid, sub) {
  const nonce = randomUUID();
  const res = await fetch(`${kith.url}/api/auth/login/social`, {
    method: "POST",
    headers: { "content-type": "application/json", "project-id": pid, origin: ORIGIN },
    body: JSON.stringify({ provider: "oidc:forge", id_token: forge.token({ aud: "app", sub, nonce }), nonce }),
  });
  assert.equal(res.status, 200);
  return { session: await res.json(), bookmark: res.headers.get("kith-bookmark"), sessions: res.headers.get("x-d1-sessions") };
}

test("a sign-in writes at the primary and hands the page its D1 bookmark", async () => {
  const pid = await newProject();
  const { bookmark, sessions } = await signedIn(pid, "erin");
  assert.equal(sessions, "first-primary");
  assert.match(bookmark, BOOKMARK);
  const listed = await get(pid, "/api/auth/providers");
  assert.match(listed.exposed, /kith-bookmark/, "the page's script may read the header");
});

test("GET /user on a cached configuration is one read, in a session at the caller's bookmark", async () => {
  const pid = await newProject();
  const { session, bookmark } = await signedIn(pid, "frank");
  const me = await get(pid, "/api/auth/user", { authorization: `Bearer ${session.access_token}`, "kith-bookmark": bookmark });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.equal(me.body.id, session.user.id);
  assert.equal(me.batches, 1, "the version check and the user in one batch");
  assert.equal(me.sessions, bookmark, "the session starts at the bookmark");
  assert.match(me.bookmark, BOOKMARK);
});

test("without a usable bookmark GET /user reads at the primary, so a caller's own writes are always seen", async () => {
  const pid = await newProject();
  const { session } = await signedIn(pid, "grace");
  for (const header of [{}, { "kith-bookmark": "first-unconstrained" }, { "kith-bookmark": "0000-garbage" }]) {
    const me = await get(pid, "/api/auth/user", { authorization: `Bearer ${session.access_token}`, ...header });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.sessions, "first-primary", JSON.stringify(header));
  }
});

test("the providers list on a cached configuration is its rate-limit count alone", async () => {
  const pid = await newProject();
  const cold = await get(pid, "/api/auth/providers");
  assert.equal(cold.status, 200, JSON.stringify(cold.body));
  const warm = await get(pid, "/api/auth/providers");
  assert.equal(warm.status, 200, JSON.stringify(warm.body));
  assert.deepEqual(warm.body, cold.body);
  assert.equal(warm.batches, 1, "no configuration read");
  assert.equal(warm.sessions, "first-primary", "the count is a write");
});

test("GET /user and the providers list never answer from a cache the project has moved past", async () => {
  const pid = await newProject();
  const { session, bookmark } = await signedIn(pid, "heidi");
  assert.equal((await get(pid, "/api/auth/providers")).status, 200);
  assert.equal((await project(pid, { allowed_origins: ["https://other.example"] })).status, 200);
  const me = await get(pid, "/api/auth/user", { authorization: `Bearer ${session.access_token}`, "kith-bookmark": bookmark });
  assert.equal(me.status, 403, JSON.stringify(me.body));
  assert.equal(me.body.error, "origin_not_allowed");
  const listed = await get(pid, "/api/auth/providers");
  assert.equal(listed.status, 403, JSON.stringify(listed.body));
  assert.equal(listed.body.error, "origin_not_allowed");
});

test("the cached providers list is counted against its budget like any other read", async () => {
  const pid = randomUUID();
  assert.equal((await project(pid, { settings: { sign_in_per_minute: 100, refresh_per_minute: 2 } })).status, 200);
  assert.equal((await provider(pid)).status, 200);
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await get(pid, "/api/auth/providers")).status);
  // Two reads a minute: whichever minutes the five fall in, at least one is refused.
  assert.ok(statuses.includes(429) && statuses.every((s) => s === 200 || s === 429), String(statuses));
  assert.ok(statuses.filter((s) => s === 200).length <= 4, String(statuses));
});
