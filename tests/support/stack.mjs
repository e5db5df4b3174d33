// Runs `scripts/dev.mjs` (the README's run command, minus the build the test command already
// did) on its own ports and state directory, and stops its whole process group afterwards.
import { fork, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { ROOT } from "./worker.mjs";
import { authorizeAs } from "./op.mjs";
import { pkcePair, randomToken, authorizationUrl } from "./pkce.mjs";

export async function startStack({ opPort = 9410, workerPort = 8797, demoPort = 5183, apiPort = demoPort + 1 } = {}) {
  const state = mkdtempSync(join(tmpdir(), "kith-stack-"));
  const child = fork(join(ROOT, "scripts", "dev.mjs"), [], {
    env: {
      ...process.env, KITH_SKIP_BUILD: "1", KITH_STATE_DIR: state,
      KITH_OP_PORT: String(opPort), KITH_WORKER_PORT: String(workerPort), KITH_DEMO_PORT: String(demoPort),
      KITH_API_PORT: String(apiPort),
    },
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // A stack that never became ready is stopped here: no test may leave it running.
      // SIGTERM lets the run command stop what it started (wrangler runs in its own group).
      child.removeAllListeners("exit");
      const kill = (signal) => {
        try {
          process.kill(-child.pid, signal);
        } catch {}
      };
      kill("SIGTERM");
      setTimeout(() => kill("SIGKILL"), 10_000).unref();
      reject(new Error(`stack did not start in 90s:\n${output}`));
    }, 90_000);
    child.on("message", (m) => {
      if (m?.ready) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited (${code}):\n${output}`));
    });
  });
  const d1 = (sql) => {
    const r = spawnSync(join(ROOT, "node_modules", ".bin", "wrangler"),
      ["d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", sql],
      { cwd: join(ROOT, "edge-worker"), encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL",
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true", CI: "true" } });
    if (r.status !== 0) throw new Error(`d1 execute failed: ${r.stderr}`);
    return JSON.parse(r.stdout)[0].results;
  };
  const secrets = Object.fromEntries(
    readFileSync(join(state, "secrets.env"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 2, -1)]),
  );
  /** A real id_token for the demo client from the dev OP, as Google One Tap would hand one to a page. */
  async function idToken(account, nonce) {
    const { verifier, challenge } = pkcePair();
    const redirectUri = `${ready.demo}/`;
    const back = await authorizeAs(
      authorizationUrl({ issuer: ready.op, clientId: "kith-demo", redirectUri, state: randomToken(), nonce, challenge }),
      account,
    );
    const res = await fetch(`${ready.op}/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from("kith-demo:kith-demo-secret").toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code: back.searchParams.get("code"), redirect_uri: redirectUri, code_verifier: verifier }),
    });
    return (await res.json()).id_token;
  }
  /** The verification codes the dev outbox received for `to`, oldest first. */
  async function messages(to) {
    const res = await fetch(`${ready.outbox}/messages?to=${encodeURIComponent(to)}`);
    return (await res.json()).messages;
  }
  return {
    ...ready,
    adminToken: secrets.ADMIN_TOKEN,
    idToken,
    messages,
    d1,
    output: () => output,
    async stop() {
      child.removeAllListeners("exit");
      const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", resolve)));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 8000);
      await exited;
      clearTimeout(timer);
      rmSync(state, { recursive: true, force: true });
    },
  };
}
