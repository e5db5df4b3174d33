// CPU time of Kith's sign-in and refresh handlers inside workerd, against the floor of the
// same work done by hand, and the D1 round trips each operation makes.
//
// - Kith: the built Worker (edge-worker/build) in workerd through Miniflare, with a local D1
//   made from the migration files. A thin entry module wraps it to count D1 round trips:
//   `env.DB` is handed over behind a Proxy that counts `batch`/`exec` calls per request (every
//   query Kith makes goes through `batch`), reported in a response header.
// - The floor: a Worker in the same runtime that does only the cryptography an operation cannot
//   avoid: parse the body, one `crypto.subtle.verify` of the id_token and one ES256
//   `crypto.subtle.sign` of an access token (login), or the sign alone (refresh). Keys are
//   imported once, as Kith caches them. An empty handler gives the runtime's own cost.
//
// workerd freezes its clock while JavaScript runs, so CPU time is read from outside: the
// workerd process's utime + stime (/proc/<pid>/stat) across N sequential requests, divided by
// N. It includes workerd's HTTP handling for both sides and, for Kith, the local D1's SQLite
// (which runs in the same process locally; on Cloudflare it runs in D1, outside the Worker's
// CPU time), so Kith's figures are upper bounds.
//
// The rows "D1 replayed" send the same requests with every D1 batch answered from a recording
// of the real one (no D1 at all): Kith's own CPU, D1 calls included, without local D1's SQLite
// and plumbing — the part of the figure a Worker on Cloudflare is billed for.
//
//   node bench/workerd-handler.mjs [samples=7] [n=200]
import { writeFileSync, mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { startWorker } from "../tests/support/worker.mjs";
import { startForge } from "../tests/support/forge.mjs";
import { descendants, cpuMs, summary } from "./proc.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLES = Number(process.argv[2] ?? 7);
const N = Number(process.argv[3] ?? 200);

/** workerd processes started by this process (Miniflare spawns one per instance). */
const workerdPids = () => descendants(process.pid).filter((p) => p.comm === "workerd").map((p) => p.pid);

/** Starts something that spawns a workerd and returns [thing, its workerd pid]. */
async function withPid(start) {
  const before = new Set(workerdPids());
  const thing = await start();
  const pid = workerdPids().find((p) => !before.has(p));
  if (!pid) throw new Error("could not find the workerd process");
  return [thing, pid];
}

/** One sample: N sequential requests (`next(i)` gives [url, body]); CPU and wall ms per request. */
async function sample(pid, next, check, trips) {
  const requests = Array.from({ length: N }, (_, i) => next(i));
  const c0 = cpuMs([pid]);
  const t0 = process.hrtime.bigint();
  for (const [url, body] of requests) {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...body.headers }, body: body.json });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text}`);
    if (check) check(JSON.parse(text));
    const t = res.headers.get("x-bench-d1-round-trips");
    if (t !== null) trips.add(Number(t));
  }
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6 / N, cpu: (cpuMs([pid]) - c0) / N };
}

/**
 * Runs SAMPLES rounds of every measurement in `plan` ({ system, name, pid, next(s, i), check }),
 * one sample of each per round in turn, so drift of this shared machine between the start
 * and the end of the run falls on Kith and the floor alike.
 */
async function measureAll(plan) {
  const got = plan.map(() => ({ cpu: [], wall: [], trips: new Set() }));
  for (let s = 0; s < SAMPLES; s++) {
    for (const [k, m] of plan.entries()) {
      const r = await sample(m.pid, (i) => m.next(s, i), m.check, got[k].trips);
      got[k].cpu.push(r.cpu);
      got[k].wall.push(r.wall);
    }
  }
  const out = {};
  for (const [k, m] of plan.entries()) {
    (out[m.system] ??= {})[m.name] = { cpu: summary(got[k].cpu), wall: summary(got[k].wall), roundTrips: [...got[k].trips].sort(), rounds: got[k].cpu };
  }
  return out;
}

const COUNTING_ENTRY = `
import Kith from "./index.js";
// env.DB behind a Proxy that counts round trips (batch/exec, on the database or on a session
// of it) for this request only, and keeps the answers of the last batch of each size.
const recorded = new Map();
const counting = (db, count) => new Proxy(db, {
  get(target, prop) {
    const value = Reflect.get(target, prop);
    if (prop === "batch" || prop === "exec") return (...args) => {
      count.n++;
      const answer = value.apply(target, args);
      if (prop === "batch") answer.then((rs) => recorded.set(args[0].length, rs.map((r) => ({ results: r.results, success: r.success, meta: r.meta }))));
      return answer;
    };
    if (prop === "withSession") return (...args) => counting(value.apply(target, args), count);
    if (typeof value === "function" && prop !== "constructor") return value.bind(target);
    return value;
  },
});
// With the header x-bench-d1: replay, every batch is answered from the recording of a batch of
// its size, without D1: what is left is the Worker's own CPU (its D1 calls included).
const statement = { bind() { return this; } };
const session = { prepare: () => statement, batch: async (s) => structuredClone(recorded.get(s.length)), getBookmark: () => null };
let replaying;
const replayOf = (db) => (replaying ??= Object.assign(Object.create(Object.getPrototypeOf(db)), { withSession: () => session, prepare: session.prepare, batch: session.batch }));
export default {
  async fetch(request, env, ctx) {
    const count = { n: 0 };
    const DB = request.headers.get("x-bench-d1") === "replay" ? replayOf(env.DB) : counting(env.DB, count);
    const wrapped = new Proxy(env, { get: (target, prop) => (prop === "DB" ? DB : Reflect.get(target, prop)) });
    const res = await Kith.prototype.fetch.call({ env: wrapped, ctx }, request);
    const out = new Response(res.body, res);
    out.headers.set("x-bench-d1-round-trips", String(count.n));
    return out;
  },
};`;

const FLOOR = `
const ES256 = { name: "ECDSA", hash: "SHA-256" };
const P256 = { name: "ECDSA", namedCurve: "P-256" };
const enc = new TextEncoder();
const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/=+$/, "").replace(/\\+/g, "-").replace(/\\//g, "_");
const unb64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
let keys;
async function accessToken(sub) {
  const now = Math.floor(Date.now() / 1000);
  const input = b64(enc.encode(JSON.stringify({ alg: "ES256", typ: "JWT", kid: "k" }))) + "." +
    b64(enc.encode(JSON.stringify({ iss: "https://kith.example", sub, aud: "p", iat: now, exp: now + 900 })));
  return input + "." + b64(await crypto.subtle.sign(ES256, keys.sign, enc.encode(input)));
}
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const path = url.pathname;
    const body = await req.json();
    // ?d1=N: N D1 round trips that do nothing (what local D1's plumbing costs by itself).
    for (let i = 0; i < Number(url.searchParams.get("d1") ?? 0); i++) await env.DB.batch([env.DB.prepare("SELECT ?1 AS v").bind(i)]);
    if (path === "/setup") {
      keys = {
        verify: await crypto.subtle.importKey("jwk", body.verify, P256, false, ["verify"]),
        sign: await crypto.subtle.importKey("jwk", body.sign, P256, false, ["sign"]),
      };
      return Response.json({});
    }
    if (path === "/empty") return Response.json({});
    if (path === "/verify-sign") {
      const [h, p, s] = body.id_token.split(".");
      if (!(await crypto.subtle.verify(ES256, keys.verify, unb64(s), enc.encode(h + "." + p)))) return new Response("bad", { status: 401 });
      return Response.json({ access_token: await accessToken(JSON.parse(new TextDecoder().decode(unb64(p))).sub) });
    }
    return Response.json({ access_token: await accessToken(body.refresh_token.slice(0, 8)) });
  },
};`;

const forge = await startForge();
let results;
const [kith, kithPid] = await withPid(() => startWorker({ entry: COUNTING_ENTRY }));
const [floor, floorPid] = await withPid(async () => {
  const mf = new Miniflare({ modules: true, script: FLOOR, compatibilityDate: "2026-04-01", d1Databases: { DB: "floor" }, host: "127.0.0.1", port: 0 });
  await mf.ready;
  return mf;
});
try {
  // Kith, wrapped to count round trips.
  const pid = randomUUID();
  const put = async (path, body) => {
    const res = await kith.admin("PUT", path, body);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await put(`/admin/projects/${pid}`, { name: "Bench", settings: { sign_in_per_minute: 100000, refresh_per_minute: 100000 } });
  await put(`/admin/projects/${pid}/providers/oidc%3Aforge`, forge.provider("app"));
  const headers = { "project-id": pid };
  const login = `${kith.url}/api/auth/login/social`;
  const refresh = `${kith.url}/api/auth/refresh`;
  // The load benchmark's token: ES256, a fresh nonce, a verified email.
  const loginBody = (sub, h = headers) => {
    const nonce = randomUUID();
    const idToken = forge.token({ aud: "app", sub, nonce, claims: { email: `${sub}@example.com`, email_verified: true, name: sub } });
    return { headers: h, json: JSON.stringify({ provider: "oidc:forge", id_token: idToken, nonce }) };
  };
  const signIn = async (sub) => {
    const res = await fetch(login, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: loginBody(sub).json });
    if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const accounts = Array.from({ length: 100 }, (_, i) => `user-${i}`);
  const sessions = [];
  for (const sub of accounts) await signIn(sub); // sign-ups, and warm-up (JWKS, keys, JIT)
  for (let i = 0; i < SAMPLES * N; i++) sessions.push((await signIn(accounts[i % accounts.length])).refresh_token);
  const hasSession = (b) => {
    if (typeof b.access_token !== "string" || typeof b.refresh_token !== "string") throw new Error("no session in the answer");
  };
  // "D1 replayed": the same requests with D1 answered from a recording of the last real batch
  // of each size (each runs right after its real twin): the Worker's own CPU. The recorded
  // refresh answers the last token refreshed, and Kith hands out the successor only when the
  // row holds its hash: every replayed refresh presents that token.
  const replay = { ...headers, "x-bench-d1": "replay" };
  const refreshBody = (token, h = headers) => ({ headers: h, json: JSON.stringify({ refresh_token: token }) });
  const returning = (i) => accounts[i % accounts.length];
  const k = (name, next) => ({ system: "kith", name, pid: kithPid, next, check: hasSession });

  // The floor, in the same runtime.
  const url = (await floor.ready).origin;
  const jwks = await (await fetch(`${forge.issuer}/jwks`)).json();
  const { generateKeyPairSync } = await import("node:crypto");
  const signing = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  await fetch(`${url}/setup`, { method: "POST", body: JSON.stringify({ verify: jwks.keys[0], sign: signing }) });
  const token = (sub) => ({ json: JSON.stringify({ id_token: forge.token({ aud: "app", sub }) }) });
  const hasToken = (b) => {
    if (typeof b.access_token !== "string") throw new Error("no token");
  };
  const fl = (name, next, check = hasToken) => ({ system: "floor", name, pid: floorPid, next, check });
  const secret = (i) => ({ json: JSON.stringify({ refresh_token: `r${i}-${randomUUID()}` }) });
  await sample(floorPid, () => [`${url}/verify-sign`, token("warm")], hasToken, new Set()); // warm-up

  results = await measureAll([
    k("login (new user)", () => [login, loginBody(`new-${randomUUID()}`)]),
    k("login (returning user)", (s, i) => [login, loginBody(returning(i))]),
    k("login (returning user), D1 replayed", (s, i) => [login, loginBody(returning(i), replay)]),
    k("refresh", (s, i) => [refresh, refreshBody(sessions[s * N + i])]),
    k("refresh, D1 replayed", (s) => [refresh, refreshBody(sessions[s * N + N - 1], replay)]),
    fl("empty handler", () => [`${url}/empty`, { json: "{}" }], null),
    fl("one empty D1 round trip", () => [`${url}/empty?d1=1`, { json: "{}" }], null),
    fl("verify + sign", (s, i) => [`${url}/verify-sign`, token(`u${i}`)]),
    fl("verify + sign + 1 D1", (s, i) => [`${url}/verify-sign?d1=1`, token(`u${i}`)]),
    fl("sign", (s, i) => [`${url}/sign`, secret(i)]),
    fl("sign + 1 D1", (s, i) => [`${url}/sign?d1=1`, secret(i)]),
  ]);
} finally {
  await kith.close();
  await floor.dispose();
  await forge.close();
}

const f = (s, d = 2) => `${s.min.toFixed(d)} / ${s.median.toFixed(d)} / ${s.max.toFixed(d)}`;
const rows = [
  ["login (returning user)", "verify + sign"],
  ["login (new user)", "verify + sign"],
  ["refresh", "sign"],
  ["login (returning user), D1 replayed", "verify + sign"],
  ["refresh, D1 replayed", "sign"],
];
// Kith and the floor took turns, one sample each per round: a round's two samples met the same
// machine, so the ratio of each round (its median, with the lowest and highest) is given beside
// the ratio of the medians.
const paired = (a, b) => summary(a.rounds.map((x, i) => x / b.rounds[i]));
console.log("| operation inside workerd | Kith CPU ms (min / median / max) | D1 round trips | floor: crypto only, CPU ms | Kith / floor | floor: crypto + 1 empty D1 round trip, CPU ms | Kith / floor with D1 (of the medians; per round: min / median / max) | Kith wall ms (median) |");
console.log("|---|---|---|---|---|---|---|---|");
for (const [op, fl] of rows) {
  const k = results.kith[op];
  const [bare, withD1] = [results.floor[fl], results.floor[`${fl} + 1 D1`]];
  const ratio = (r) => (k.cpu.median / r.cpu.median).toFixed(2);
  console.log(`| ${op} | ${f(k.cpu)} | ${k.roundTrips.join(", ")} | ${fl}: ${f(bare.cpu)} | ${ratio(bare)} | ${f(withD1.cpu)} | ${ratio(withD1)} (${f(paired(k, withD1))}) | ${k.wall.median.toFixed(2)} |`);
}
for (const [name, what] of [["empty handler", "the runtime's own cost per request"], ["one empty D1 round trip", "local D1's plumbing alone"]]) {
  const r = results.floor[name];
  console.log(`| ${name} (${what}) | | ${name.includes("D1") ? 1 : 0} | ${f(r.cpu)} | | | | ${r.wall.median.toFixed(2)} |`);
}
mkdirSync(join(here, "..", "target"), { recursive: true });
writeFileSync(join(here, "..", "target", "bench-workerd-handler.json"), JSON.stringify({ samples: SAMPLES, n: N, results }, null, 2));
