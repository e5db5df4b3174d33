// Throughput of Kith's sign-in and refresh under a bounded load on loopback: the real Worker
// under `wrangler dev --local` with local D1 (the README's run command, on its own ports),
// autocannon (npm) as the load generator, every request a distinct id_token or refresh token
// (Kith refuses replays). Prints min/median/max of requests/s, p50 and p99 latency and the
// error count over RUNS runs per concurrency level, and writes target/bench-load.json.
//
//   node bench/load.mjs [runs=5] [seconds=3]
import { createRequire } from "node:module";
import { writeFileSync, mkdirSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "../tests/support/stack.mjs";
import { startForge } from "../tests/support/forge.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const tools = join(here, "sizes");
if (!existsSync(join(tools, "node_modules", "autocannon"))) {
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: tools, stdio: "inherit" });
}
const autocannon = createRequire(join(tools, "package.json"))("autocannon");
const RUNS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 3);
const LEVELS = [1, 8, 32];

const stack = await startStack({ opPort: 9440, workerPort: 8827, demoPort: 5213 });
const forge = await startForge();
const results = [];
try {
  const pid = randomUUID();
  const admin = async (path, body) => {
    const res = await fetch(`${stack.worker}${path}`, {
      method: "PUT", headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" }, body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  };
  await admin(`/admin/projects/${pid}`, { name: "Load", settings: { sign_in_per_minute: 100000, refresh_per_minute: 100000 } });
  await admin(`/admin/projects/${pid}/providers/oidc%3Aforge`, forge.provider("app"));
  const headers = { "content-type": "application/json", "project-id": pid };

  const login = (token) => fetch(`${stack.worker}/api/auth/login/social`, {
    method: "POST", headers, body: JSON.stringify({ provider: "oidc:forge", id_token: token }),
  }).then((r) => r.json());

  // Returning users: a pool of accounts signed up once, then signed in again under load.
  const accounts = Array.from({ length: 200 }, (_, i) => `user-${i}`);
  for (const sub of accounts) await login(forge.token({ aud: "app", sub }));

  const run = (bodies, path, connections) =>
    new Promise((resolve, reject) => {
      let i = 0;
      autocannon(
        {
          url: `${stack.worker}${path}`,
          connections,
          duration: SECONDS,
          requests: [{ method: "POST", headers, setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
        },
        (err, r) => (err ? reject(err) : resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors, total: r.requests.total })),
      );
    });

  const stat = (v) => {
    const s = [...v].sort((a, b) => a - b);
    return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) };
  };

  for (const op of ["login (returning user)", "login (new user)", "refresh"]) {
    for (const c of LEVELS) {
      const samples = [];
      for (let r = 0; r < RUNS; r++) {
        // Enough single-use bodies for the run (each request needs a fresh token).
        const n = 4000;
        let bodies;
        if (op === "refresh") {
          // Sessions to refresh, opened 32 at a time (the load, not the setup, is measured).
          const sessions = [];
          for (let k = 0; k < 1500; k += 32) {
            sessions.push(...(await Promise.all(Array.from({ length: 32 }, (_, j) => login(forge.token({ aud: "app", sub: accounts[(k + j) % accounts.length] }))))));
          }
          bodies = sessions.map((s) => JSON.stringify({ refresh_token: s.refresh_token }));
        } else {
          bodies = Array.from({ length: n }, () => JSON.stringify({
            provider: "oidc:forge",
            id_token: forge.token({ aud: "app", sub: op.includes("new") ? `new-${randomUUID()}` : accounts[Math.floor(Math.random() * accounts.length)] }),
          }));
        }
        const res = await run(bodies, op === "refresh" ? "/api/auth/refresh" : "/api/auth/login/social", c);
        if (res.total > bodies.length) res.errors += res.total - bodies.length; // reused bodies are refused
        samples.push(res);
      }
      const row = { op, connections: c, rps: stat(samples.map((s) => s.rps)), p50: stat(samples.map((s) => s.p50)), p99: stat(samples.map((s) => s.p99)), errors: samples.reduce((t, s) => t + s.errors, 0) };
      results.push(row);
      console.error(`${op} c=${c}: ${row.rps.median} req/s`);
    }
  }
} finally {
  await forge.close();
  await stack.stop();
}

const f = (s, d = 0) => `${s.min.toFixed(d)} / ${s.median.toFixed(d)} / ${s.max.toFixed(d)}`;
console.log(`| operation | connections | requests/s (min / median / max) | p50 ms | p99 ms | errors (all runs) |`);
console.log("|---|---|---|---|---|---|");
for (const r of results) console.log(`| ${r.op} | ${r.connections} | ${f(r.rps)} | ${f(r.p50)} | ${f(r.p99)} | ${r.errors} |`);
mkdirSync(join(here, "..", "target"), { recursive: true });
writeFileSync(join(here, "..", "target", "bench-load.json"), JSON.stringify({ runs: RUNS, seconds: SECONDS, results }, null, 2));
