// Throughput of the id_token sign-in under a bounded load on loopback, Kith beside Better Auth:
// - Kith: the real Worker under `wrangler dev --local` with local D1 (the README's run
//   command, on its own ports);
// - Better Auth 1.7 (npm, node + SQLite through better-sqlite3, bench/better-auth/server.mjs):
//   the same local OP configured by discovery (genericOAuth), `POST /api/auth/sign-in/social`
//   with `idToken`.
// Both get the same kind of token (ES256, a distinct nonce, email + email_verified + name), a
// distinct one per request (Kith refuses replays). autocannon (npm) is the load generator.
// Prints min/median/max of requests/s, p50 and p99 latency and the error count over RUNS runs
// per concurrency level (the systems take turns run by run), and writes target/bench-load.json.
//
//   node bench/load.mjs [runs=5] [seconds=3]
import { createRequire } from "node:module";
import { writeFileSync, mkdirSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "../tests/support/stack.mjs";
import { startForge } from "../tests/support/forge.mjs";
import { startWorker } from "../tests/support/worker.mjs";
import { descendants, cpuMs, summary } from "./proc.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const install = (dir, marker) => {
  if (!existsSync(join(dir, "node_modules", ...marker))) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
  }
};
const tools = join(here, "sizes");
install(tools, ["autocannon"]);
const peerDir = join(here, "better-auth");
install(peerDir, ["better-sqlite3", "build", "Release", "better_sqlite3.node"]);
const autocannon = createRequire(join(tools, "package.json"))("autocannon");
const RUNS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 3);
const LEVELS = [1, 8, 32];
const PEER_PORT = 8837;

/** Starts the Better Auth server in its own process group; resolves when it listens. */
async function startBetterAuth(issuer) {
  const state = mkdtempSync(join(tmpdir(), "kith-bench-better-auth-"));
  const child = spawn(process.execPath, [join(peerDir, "server.mjs"), String(PEER_PORT), issuer, join(state, "auth.db")], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BETTER_AUTH_TELEMETRY: "0", NODE_ENV: "production" },
  });
  let output = "";
  child.stderr.on("data", (d) => (output += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Better Auth did not start in 60 s:\n${output}`)), 60_000);
    child.stdout.on("data", (d) => {
      if (String(d).includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Better Auth exited (${code}):\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${PEER_PORT}`,
    pid: child.pid,
    stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * One autocannon run: `requests` are single-use {method, path, headers, body}; `pids` are the
 * server's processes, whose CPU time is divided by the requests served.
 */
const run = (url, requests, connections, pids) =>
  new Promise((resolve, reject) => {
    let i = 0;
    const cpu0 = cpuMs(pids);
    autocannon(
      {
        url,
        connections,
        duration: SECONDS,
        requests: [{ setupRequest: (req) => ({ ...req, ...requests[i++ % requests.length] }) }],
      },
      (err, r) => {
        if (err) return reject(err);
        // A request beyond the prepared ones would reuse a token: count it as an error.
        const reused = Math.max(0, r.requests.total - requests.length);
        resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors + reused, cpu: (cpuMs(pids) - cpu0) / Math.max(1, r.requests.total) });
      },
    );
  });

const KITH = "Kith (wrangler dev)";
const KITH_BARE = "Kith (workerd, no dev proxy)";
const PEER = "Better Auth";

const forge = await startForge();
const stack = await startStack({ opPort: 9440, workerPort: 8827, demoPort: 5213 });
const stackPids = descendants(process.pid).map((p) => p.pid);
let peer;
let bare;
const bareState = mkdtempSync(join(tmpdir(), "kith-bench-d1-"));
const results = [];
try {
  peer = await startBetterAuth(forge.issuer);
  const peerPids = [peer.pid, ...descendants(peer.pid).map((p) => p.pid)];
  bare = await startWorker({ persist: bareState });
  const barePids = descendants(process.pid).map((p) => p.pid).filter((p) => !stackPids.includes(p) && !peerPids.includes(p));

  // The same kind of token for every system: ES256, a fresh nonce, a verified email.
  const token = (sub) => {
    const nonce = randomUUID();
    return { nonce, token: forge.token({ aud: "app", sub, nonce, claims: { email: `${sub}@example.com`, email_verified: true, name: sub } }) };
  };
  // Fresh header objects per request: autocannon adds content-length to the object it is given.
  const json = Object.freeze({ "content-type": "application/json" });

  /** A Kith Worker with a project that trusts the forge, its rate limits above the load. */
  const kith = async (url, adminToken, pids) => {
    const project = randomUUID();
    const put = async (path, body) => {
      const res = await fetch(`${url}${path}`, {
        method: "PUT", headers: { authorization: `Bearer ${adminToken}`, ...json }, body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    await put(`/admin/projects/${project}`, { name: "Load", settings: { sign_in_per_minute: 100000, refresh_per_minute: 100000 } });
    await put(`/admin/projects/${project}/providers/oidc%3Aforge`, forge.provider("app"));
    const headers = () => ({ ...json, "project-id": project });
    return {
      url,
      pids,
      login: (sub) => {
        const t = token(sub);
        return { method: "POST", path: "/api/auth/login/social", headers: headers(), body: JSON.stringify({ provider: "oidc:forge", id_token: t.token, nonce: t.nonce }) };
      },
      refresh: (answer) => ({ method: "POST", path: "/api/auth/refresh", headers: headers(), body: JSON.stringify({ refresh_token: JSON.parse(answer).refresh_token }) }),
    };
  };
  // Server processes whose CPU time is counted: for Kith under wrangler dev everything the run
  // command started (wrangler's node process, its proxy workerd, the Worker's workerd with local
  // D1; the dev OP and demo server sit idle), for the bare Worker its workerd, for Better Auth
  // its node process.
  const systems = {
    [KITH]: await kith(stack.worker, stack.adminToken, stackPids),
    [KITH_BARE]: await kith(bare.url, bare.secrets.ADMIN_TOKEN, barePids),
    [PEER]: {
      url: peer.url,
      pids: peerPids,
      login: (sub) => {
        const t = token(sub);
        return { method: "POST", path: "/api/auth/sign-in/social", headers: { ...json }, body: JSON.stringify({ provider: "forge", idToken: { token: t.token, nonce: t.nonce } }) };
      },
    },
  };
  const send = async (url, r) => {
    const res = await fetch(url + r.path, { method: r.method, headers: r.headers, body: r.body });
    return { status: res.status, body: await res.text(), cookie: res.headers.get("set-cookie") };
  };

  // Each must really verify: a token with a flipped signature byte is refused by each.
  for (const [name, sys] of Object.entries(systems)) {
    const good = sys.login("probe");
    const body = JSON.parse(good.body);
    const flip = (t) => t.slice(0, -2) + (t.at(-2) === "A" ? "B" : "A") + t.at(-1);
    if (body.id_token) body.id_token = flip(body.id_token);
    else body.idToken.token = flip(body.idToken.token);
    const forged = await send(sys.url, { ...good, body: JSON.stringify(body) });
    if (forged.status === 200) throw new Error(`${name} accepted a forged id_token`);
    const ok = await send(sys.url, good);
    if (ok.status !== 200) throw new Error(`${name} refused a good id_token: ${ok.status} ${ok.body}`);
  }

  // Returning users: a pool of accounts signed up once on each system.
  const accounts = Array.from({ length: 200 }, (_, i) => `user-${i}`);
  const cookies = [];
  for (const [name, sys] of Object.entries(systems)) {
    for (const sub of accounts) {
      const r = await send(sys.url, sys.login(sub));
      if (r.status !== 200) throw new Error(`${name} sign-up: ${r.status} ${r.body}`);
      if (name === PEER) cookies.push(r.cookie?.split(";")[0]);
    }
  }

  // Kith's refresh: sessions opened 32 at a time before each run (the setup is not measured);
  // enough for 1,600 refreshes/s over the run (each refresh token is used once).
  const refreshes = async (sys) => {
    const out = [];
    for (let k = 0; k < Math.max(2400, SECONDS * 1600); k += 32) {
      const batch = await Promise.all(Array.from({ length: 32 }, (_, j) => send(sys.url, sys.login(accounts[(k + j) % accounts.length]))));
      out.push(...batch.map((r) => sys.refresh(r.body)));
    }
    return out;
  };
  // Better Auth has no refresh token: its client re-reads the cookie session (get-session,
  // which extends it once a day). Reusable, so any number of requests.
  const sessionChecks = () => Array.from({ length: 1e6 }, (_, i) => ({ method: "GET", path: "/api/auth/get-session", headers: { cookie: cookies[i % cookies.length] } }));

  const ops = [
    ["login (returning user)", (name) => Array.from({ length: 4000 }, () => systems[name].login(accounts[Math.floor(Math.random() * accounts.length)]))],
    ["login (new user)", (name) => Array.from({ length: 4000 }, () => systems[name].login(`new-${randomUUID()}`))],
    ["refresh (Better Auth: get-session)", (name) => (name === PEER ? sessionChecks() : refreshes(systems[name]))],
  ];
  for (const [op, make] of ops) {
    for (const c of LEVELS) {
      // The systems take turns run by run, so a slow patch of this shared machine falls on
      // all of them rather than on whichever ran then.
      const samples = Object.fromEntries(Object.keys(systems).map((name) => [name, []]));
      for (let r = 0; r < RUNS; r++) {
        for (const name of Object.keys(systems)) samples[name].push(await run(systems[name].url, await make(name), c, systems[name].pids));
      }
      for (const [name, runs] of Object.entries(samples)) {
        const row = { system: name, op, connections: c, rps: summary(runs.map((s) => s.rps)), p50: summary(runs.map((s) => s.p50)), p99: summary(runs.map((s) => s.p99)), errors: runs.reduce((t, s) => t + s.errors, 0), cpu: summary(runs.map((s) => s.cpu)) };
        results.push(row);
        console.error(`${name} ${op} c=${c}: ${row.rps.median} req/s, ${row.cpu.median.toFixed(2)} ms CPU/request, ${row.errors} errors`);
      }
    }
  }
} finally {
  peer?.stop();
  await bare?.close();
  rmSync(bareState, { recursive: true, force: true });
  await stack.stop();
  await forge.close();
}

const f = (s, d = 0) => `${s.min.toFixed(d)} / ${s.median.toFixed(d)} / ${s.max.toFixed(d)}`;
console.log(`| operation | connections | system | requests/s (min / median / max) | p50 / p99 ms (median) | server CPU ms/request (median) | requests/s vs Better Auth | errors (all runs) |`);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const peerRow = results.find((b) => b.system === PEER && b.op === r.op && b.connections === r.connections);
  console.log(`| ${r.op} | ${r.connections} | ${r.system} | ${f(r.rps)} | ${r.p50.median} / ${r.p99.median} | ${r.cpu.median.toFixed(2)} | ${(r.rps.median / peerRow.rps.median).toFixed(2)} | ${r.errors} |`);
}
console.log("\nServer CPU: utime + stime of the server's processes (/proc) over a run, divided by the requests it served.");
mkdirSync(join(here, "..", "target"), { recursive: true });
writeFileSync(join(here, "..", "target", "bench-load.json"), JSON.stringify({ runs: RUNS, seconds: SECONDS, results }, null, 2));
