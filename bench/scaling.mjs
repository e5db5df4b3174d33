// The numbers behind SCALING.md: what one user costs one D1 database, measured on the real
// Worker in workerd with a local D1 on disk (the same SQLite engine as D1's primary).
//
// For N users it runs, through the public API, what a month of a typical user looks like at
// the smallest scale: a first sign-in (sign-up), one refresh, and a returning sign-in. Every
// D1 batch Kith sends goes through a Proxy that adds up D1's own `meta.rows_written` and
// `meta.rows_read` per request (what D1 bills and what its single writer must absorb), and the
// database's pages are counted at the end (`PRAGMA page_count`, falling back to the file size).
//
//   node bench/scaling.mjs [users=1000]      (after `sh scripts/build.sh worker`)
import { mkdtempSync, rmSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { randomUUID } from "node:crypto";
import { startWorker } from "../tests/support/worker.mjs";
import { startForge } from "../tests/support/forge.mjs";

const USERS = Number(process.argv[2] ?? 1000);
const CONCURRENCY = 8;

const COUNTING_ENTRY = `
import Kith from "./index.js";
const counting = (db, sum) => new Proxy(db, {
  get(target, prop) {
    const value = Reflect.get(target, prop);
    if (prop === "batch") return async (...args) => {
      sum.trips++;
      const results = await value.apply(target, args);
      for (const r of results) { sum.written += r.meta?.rows_written ?? 0; sum.read += r.meta?.rows_read ?? 0; sum.sql_ms += r.meta?.duration ?? 0; }
      return results;
    };
    // Kith runs each request in a D1 session (the Sessions API): count its batches too.
    if (prop === "withSession") return (...args) => counting(value.apply(target, args), sum);
    if (typeof value === "function" && prop !== "constructor") return value.bind(target);
    return value;
  },
});
export default {
  async fetch(request, env, ctx) {
    const sum = { trips: 0, written: 0, read: 0, sql_ms: 0 };
    const DB = counting(env.DB, sum);
    const wrapped = new Proxy(env, { get: (target, prop) => (prop === "DB" ? DB : Reflect.get(target, prop)) });
    const res = await Kith.prototype.fetch.call({ env: wrapped, ctx }, request);
    const out = new Response(res.body, res);
    out.headers.set("x-bench-d1", JSON.stringify(sum));
    return out;
  },
};`;

const persist = mkdtempSync(join(tmpdir(), "kith-scaling-"));
const forge = await startForge();
const kith = await startWorker({ entry: COUNTING_ENTRY, persist });
const project = randomUUID();
const json = { "content-type": "application/json" };
const put = async (path, body) => {
  const res = await kith.admin("PUT", path, body);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
};
await put(`/admin/projects/${project}`, {
  name: "Scaling", allowed_origins: [], redirect_urls: [],
  settings: { sign_in_per_minute: 100_000, refresh_per_minute: 100_000 },
});
await put(`/admin/projects/${project}/providers/oidc%3Aforge`, forge.provider("app", { options: { allow_email_account_merge: true } }));

const sizeOf = async () => {
  try {
    const pages = await kith.db.prepare("PRAGMA page_count").first();
    const size = await kith.db.prepare("PRAGMA page_size").first();
    return Object.values(pages)[0] * Object.values(size)[0];
  } catch {
    const files = readdirSync(persist, { recursive: true }).map((f) => join(persist, f)).filter((f) => f.endsWith(".sqlite"));
    return files.reduce((n, f) => n + statSync(f).size, 0);
  }
};

const ops = { "sign-up": [], refresh: [], "returning sign-in": [] };
async function call(op, path, body) {
  const res = await fetch(kith.url + path, { method: "POST", headers: { ...json, "project-id": project }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`${op}: ${res.status} ${await res.text()}`);
  ops[op].push(JSON.parse(res.headers.get("x-bench-d1")));
  return res.json();
}
const signIn = (op, sub) => {
  const nonce = randomUUID();
  const claims = { email: `${sub}@example.com`, email_verified: true, name: `User ${sub}` };
  return call(op, "/api/auth/login/social", { provider: "oidc:forge", id_token: forge.token({ aud: "app", sub, nonce, claims }), nonce });
};

const before = await sizeOf();
let next = 0;
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < USERS) {
    const sub = `user-${next++}`;
    const session = await signIn("sign-up", sub);
    await call("refresh", "/api/auth/refresh", { refresh_token: session.refresh_token });
    await signIn("returning sign-in", sub);
  }
}));
const after = await sizeOf();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| operation (${USERS} users, medians) | D1 round trips | rows written | rows read | SQL time in the database, ms (mean; D1 reports whole ms) |`);
console.log("|---|---|---|---|---|");
for (const [op, samples] of Object.entries(ops)) {
  console.log(`| ${op} | ${median(samples.map((s) => s.trips))} | ${median(samples.map((s) => s.written))} | ${median(samples.map((s) => s.read))} | ${(samples.reduce((n, s) => n + s.sql_ms, 0) / samples.length).toFixed(2)} |`);
}
console.log();
console.log("| table | rows | rows per user |");
console.log("|---|---|---|");
for (const table of ["users", "identities", "sessions", "refresh_tokens", "used_tokens", "rate_counters"]) {
  const n = await kith.count(table);
  console.log(`| ${table} | ${n} | ${(n / USERS).toFixed(2)} |`);
}
console.log();
console.log("(rows written and read are D1's own `meta` counts: index entries included, as D1 bills them.)");
console.log(`database: ${((after - before) / USERS).toFixed(0)} bytes per user (${(after / 2 ** 20).toFixed(1)} MiB for ${USERS} users, indexes included)`);

await kith.close();
await forge.close();
if (process.env.KEEP) console.log(`kept: ${persist}`); else rmSync(persist, { recursive: true, force: true });
