// `npm run dev`: the whole Kith stack on 127.0.0.1, for real.
//   - a dev OpenID provider (npm oidc-provider) with demo accounts and a confidential client
//   - the Kith Worker under `wrangler dev --local`, with local D1 (migrations applied)
//   - a GitHub-like stand-in (tests/support/standins.mjs), signed in as "octocat"
//   - a demo project with providers `oidc:dev` (that OP) and `github` (seeded via the admin API)
//   - the dev outbox, the demo project's mailer: verification codes are printed here
//   - the demo page (demo/, served by scripts/lib/demo-server.mjs), which imports the SDK from pkg/
//   - a sample app backend (scripts/lib/sample-api.mjs): GET /api/me verifies the page's
//     access token with kith-sdk/server
//   - the admin console, served by the Worker at /admin/console
// Ctrl-C stops everything it started. Ports: KITH_OP_PORT (9400), KITH_WORKER_PORT (8787),
// KITH_DEMO_PORT (5173), KITH_API_PORT (5174), KITH_OUTBOX_PORT (any free port). State (D1, secrets): KITH_STATE_DIR (.kith/dev).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startOp } from "./lib/dev-op.mjs";
import { startOutbox } from "./lib/dev-outbox.mjs";
import { generateSecrets } from "./lib/secrets.mjs";
import { serveDemo } from "./lib/demo-server.mjs";
import { demoOpClients, seedDemo, startDemoGithub } from "./lib/demo-setup.mjs";
import { startSampleApi } from "./lib/sample-api.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OP_PORT = Number(process.env.KITH_OP_PORT ?? 9400);
const WORKER_PORT = Number(process.env.KITH_WORKER_PORT ?? 8787);
const DEMO_PORT = Number(process.env.KITH_DEMO_PORT ?? 5173);
const API_PORT = Number(process.env.KITH_API_PORT ?? 5174);
const STATE = process.env.KITH_STATE_DIR ?? join(ROOT, ".kith", "dev");
export const DEMO_PROJECT = "6f0c5b8e-2d1a-4c3b-9e7f-0a1b2c3d4e5f";
const DEMO_ORIGIN = `http://127.0.0.1:${DEMO_PORT}`;
const WORKER_URL = `http://127.0.0.1:${WORKER_PORT}`;
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
// wrangler writes a debug log of every DevTools event of the Worker (D1 answers included) to
// ~/.config/.wrangler/logs whatever --log-level says: keep it with the local state instead.
// No banner: it is what triggers wrangler's npm update check, whose request can keep a finished
// command alive.
const quietEnv = {
  ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true",
  WRANGLER_LOG_PATH: join(STATE, "logs"), WRANGLER_HIDE_BANNER: "true",
};

/**
 * Runs a short wrangler command in its own process group; if it has not exited after
 * `timeoutMs` (a wrangler that finished its work but is held open), the whole group is killed
 * and the command is tried once more.
 */
async function wranglerOnce(args, timeoutMs = 30_000) {
  for (let attempt = 1; ; attempt++) {
    const child = spawn(WRANGLER, args, { cwd: join(ROOT, "edge-worker"), env: quietEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    // Stopped with everything else if the run command is stopped meanwhile.
    const stopper = () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    };
    stoppers.push(stopper);
    const status = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
        resolve("timeout");
      }, timeoutMs);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    stoppers.splice(stoppers.indexOf(stopper), 1);
    if (status !== "timeout" || attempt === 2) return { status, output };
    log(`wrangler ${args.slice(0, 3).join(" ")} did not exit in ${timeoutMs / 1000} s; trying again`);
  }
}

const stoppers = [];
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const s of stoppers.reverse()) {
    try {
      await s();
    } catch {}
  }
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
// Started by a test (forked, with an IPC channel): a test runner that dies without stopping
// the stack closes the channel, and the stack stops with it instead of outliving it.
process.on("disconnect", () => stop(0));

function log(msg) {
  console.log(`[kith] ${msg}`);
}

async function main() {
  if (!process.env.KITH_SKIP_BUILD) {
    const b = spawnSync("sh", [join(ROOT, "scripts", "build.sh")], { stdio: "inherit" });
    if (b.status !== 0) throw new Error("build failed");
  }
  mkdirSync(STATE, { recursive: true });

  // Secrets persist with the local D1, so sessions and sealed client secrets survive restarts.
  const secretsFile = join(STATE, "secrets.env");
  if (!existsSync(secretsFile)) {
    const s = generateSecrets();
    writeFileSync(secretsFile, Object.entries(s).map(([k, v]) => `${k}='${v}'`).join("\n") + "\n", { mode: 0o600 });
  }
  const secrets = Object.fromEntries(
    readFileSync(secretsFile, "utf8").trim().split("\n").map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 2, -1)];
    }),
  );

  log("applying D1 migrations (local)");
  const m = await wranglerOnce(["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE]);
  if (m.status !== 0) {
    throw new Error(
      `applying the D1 migrations to the local state in ${STATE} failed (output below). If that state ` +
        `was made by an older, incompatible schema, delete the folder to start afresh.\n${m.output}`,
    );
  }

  const redirectUri = `${DEMO_ORIGIN}/`;
  const op = await startOp({
    port: OP_PORT,
    clients: demoOpClients({ demoOrigin: DEMO_ORIGIN, workerUrl: WORKER_URL, projectId: DEMO_PROJECT }),
  });
  stoppers.push(() => op.close());
  log(`dev OpenID provider at ${op.issuer} (accounts: alice, bob, alice-unverified; any password)`);
  const github = await startDemoGithub({ demoOrigin: DEMO_ORIGIN });
  stoppers.push(() => github.close());

  // wrangler dev in its own process group, so stopping it stops workerd too.
  const wrangler = spawn(WRANGLER, [
    "dev", "--local", "--ip", "127.0.0.1", "--port", String(WORKER_PORT), "--persist-to", STATE,
    "--env-file", secretsFile, "--inspector-port", "0", "--show-interactive-dev-session=false", "--log-level", "warn",
  ], { cwd: join(ROOT, "edge-worker"), env: quietEnv, detached: true, stdio: ["ignore", "inherit", "inherit"] });
  stoppers.push(() => new Promise((resolve) => {
    if (wrangler.exitCode !== null) return resolve();
    wrangler.once("exit", resolve);
    try {
      process.kill(-wrangler.pid, "SIGTERM");
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-wrangler.pid, "SIGKILL");
      } catch {}
      resolve();
    }, 5000).unref();
  }));
  wrangler.on("exit", (code) => {
    if (!stopping) {
      console.error(`[kith] wrangler dev exited (${code})`);
      stop(1);
    }
  });
  await waitFor(`${WORKER_URL}/.well-known/jwks.json`, 60_000);
  log(`Worker at ${WORKER_URL}`);

  const admin = async (path, body) => {
    const res = await fetch(WORKER_URL + path, {
      method: "PUT",
      headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
  };
  const outbox = await startOutbox({ port: Number(process.env.KITH_OUTBOX_PORT ?? 0), log: (m) => log(m) });
  stoppers.push(() => outbox.close());
  log(`dev outbox at ${outbox.url} (verification codes are printed here; GET /messages?to=)`);
  const mailer = { url: outbox.hookUrl, secret: outbox.secret };
  const { oneTap } = await seedDemo({ admin, op, github, mailer, demoOrigin: DEMO_ORIGIN, projectId: DEMO_PROJECT });
  log(`demo project ${DEMO_PROJECT} with providers oidc:dev and github (a stand-in at ${github.origin})`);

  const apiUrl = `http://127.0.0.1:${API_PORT}/api/me`; // the sample backend (below)
  const demo = serveDemo(ROOT, {
    baseUrl: WORKER_URL, projectId: DEMO_PROJECT, redirectUri, apiUrl, oneTap,
    serverFlowProvider: "oidc:dev", flowRedirect: `${DEMO_ORIGIN}/flow`,
  });
  await new Promise((resolve) => demo.listen(DEMO_PORT, "127.0.0.1", resolve));
  stoppers.push(() => {
    demo.closeAllConnections();
    return new Promise((resolve) => demo.close(resolve));
  });
  const api = await startSampleApi({ port: API_PORT, issuer: WORKER_URL, projectId: DEMO_PROJECT, allowedOrigin: DEMO_ORIGIN });
  stoppers.push(() => api.close());
  const consoleUrl = `${WORKER_URL}/admin/console`;
  log(`demo page at ${DEMO_ORIGIN}/`);
  log(`admin console at ${consoleUrl}  (admin token: ${secrets.ADMIN_TOKEN}, kept in ${secretsFile})`);
  log(`sample API at ${api.url} (verifies the access token with kith-sdk/server)`);
  log("Ctrl-C stops everything");
  if (process.send) {
    process.send({ ready: true, demo: DEMO_ORIGIN, worker: WORKER_URL, op: op.issuer, console: consoleUrl, api: api.url, outbox: outbox.url, github: github.origin, state: STATE });
  }
}

async function waitFor(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms / 1000}s`);
}

main().catch((e) => {
  console.error(`[kith] ${e.stack ?? e}`);
  stop(1);
});
