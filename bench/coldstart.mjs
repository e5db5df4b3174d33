// A fresh isolate: Kith's Worker beside a bare workers-rs Worker (bench/bare-worker: the same
// `worker` crate with D1 and serde_json, one route, built the same way), and the upload size
// of each.
//
// Every sample of every row is a fresh Miniflare, so a fresh workerd process and a fresh
// isolate: (a) ms from `new Miniflare(...)` until `ready` (workerd started, modules compiled
// and instantiated, the socket listening), (b) ms of the first request the isolate serves,
// (c) ms of the second one (warm) for contrast. The rows are run in turn within each sample,
// so the machine's drift hits them alike.
//
// - Kith, `GET /.well-known/jwks.json`: its cheapest route (no provider, no D1; a fresh
//   isolate imports the signing keys and the keyring from the Worker's secrets).
// - Kith, id_token sign-in: a returning user's sign-in with an ES256 id_token from
//   tests/support/forge.mjs, the isolate's first request: it reads the project's configuration
//   (not yet cached) and fetches the provider's JWKS (not yet cached) on the way. The project,
//   provider and user are written once into an on-disk D1 that every sample starts from a copy
//   of; the second request is the same user's next sign-in. Once more with the provider's JWKS
//   already in the Cache API (kept from the template's sign-up), as a fresh isolate finds it
//   where the location has served the provider within the JWKS's max-age.
// - bare workers-rs Worker: `POST /` with a JSON body, one D1 query (`SELECT ?1 AS v`), a JSON
//   answer.
// - JavaScript Worker, empty: `new Response("{}")`, what the runtime costs by itself.
//
// Sizes are wrangler's own count (`wrangler deploy --dry-run`, no account needed), as
// bench/sizes.mjs reads it. Builds what it lacks: Kith's Worker if edge-worker/build is
// missing, the bare Worker if its build is missing or older than its sources.
//
//   node bench/coldstart.mjs [samples=7]
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { migrationStatements } from "../tests/support/worker.mjs";
import { generateSecrets } from "../tests/support/secrets.mjs";
import { startForge } from "../tests/support/forge.mjs";
import { summary } from "./proc.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const SAMPLES = Number(process.argv[2] ?? 7);
const KITH = join(root, "edge-worker");
const BARE = join(here, "bare-worker");
mkdirSync(join(root, "target", "tmp"), { recursive: true });
const work = mkdtempSync(join(root, "target", "tmp", "coldstart-"));
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" };
const sh = (cmd, args, cwd = root, extra = {}) => execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...env, ...extra }, stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });

// --- Builds -------------------------------------------------------------------------------

const lockedVersion = (name) => new RegExp(`name = "${name}"\\nversion = "([^"]+)"`).exec(readFileSync(join(root, "Cargo.lock"), "utf8"))?.[1];
const toolVersion = (cmd) => {
  try {
    return sh(cmd, ["--version"]).trim();
  } catch {
    return "";
  }
};
const cargoBin = join(process.env.HOME ?? "", ".cargo", "bin");
const PATH = `${cargoBin}:${process.env.PATH}`;
if (toolVersion(join(cargoBin, "worker-build")) !== lockedVersion("worker") || toolVersion(join(cargoBin, "wasm-bindgen")) !== `wasm-bindgen ${lockedVersion("wasm-bindgen")}`) {
  sh("sh", [join(root, "scripts", "setup.sh")]);
}
if (!existsSync(join(KITH, "build", "index.js"))) sh("sh", [join(root, "scripts", "build.sh"), "worker"]);

/** Newest modification time of a file or of any file below a directory. */
const newest = (path) => {
  const st = statSync(path);
  return st.isDirectory() ? Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f)))) : st.mtimeMs;
};
const bareBuilt = join(BARE, "build", "index.js");
if (!existsSync(bareBuilt) || newest(bareBuilt) < Math.max(newest(join(BARE, "src")), newest(join(BARE, "Cargo.toml")))) {
  // Kith's lockfile, so every crate the two share is the same version (cargo drops the rest).
  if (!existsSync(join(BARE, "Cargo.lock"))) cpSync(join(root, "Cargo.lock"), join(BARE, "Cargo.lock"));
  const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
  console.error("==> building bench/bare-worker (worker-build --profile worker, as scripts/build.sh builds Kith's)");
  sh(join(cargoBin, "worker-build"), ["--profile", "worker"], BARE, {
    PATH,
    WASM_BINDGEN_BIN: join(cargoBin, "wasm-bindgen"),
    WASM_OPT_BIN: wasmOpt,
    ESBUILD_BIN: join(root, "node_modules", ".bin", "esbuild"),
  });
  // scripts/build.sh's last step: ship without the name section.
  const wasm = join(BARE, "build", "index_bg.wasm");
  sh(wasmOpt, [wasm, "--strip-debug", "--strip-producers", "--enable-mutable-globals", "--enable-sign-ext", "--enable-nontrapping-float-to-int",
    "--enable-bulk-memory", "--enable-multivalue", "--enable-reference-types", "--enable-exception-handling", "-o", wasm]);
}

// --- Sizes ---------------------------------------------------------------------------------

function uploadSize(dir) {
  const dry = sh(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", join(work, `dist-${randomUUID()}`)], dir);
  const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(dry);
  if (!m) throw new Error(`no upload size in wrangler's output:\n${dry}`);
  return { raw_kib: Number(m[1]), gzip_kib: Number(m[2]) };
}
const compatibilityDate = (dir) => /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(dir, "wrangler.toml"), "utf8"))[1];

// --- Fresh instances -----------------------------------------------------------------------

const wasmWorker = (dir) => ({
  modules: true,
  scriptPath: join(dir, "build", "index.js"),
  modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: compatibilityDate(dir),
});
const secrets = generateSecrets();
/** Kith's Worker as tests/support/worker.mjs starts it, with its D1 on disk in `persist`. */
const kithOptions = (persist, { cache = false } = {}) => ({
  ...wasmWorker(KITH),
  d1Databases: { DB: "kith-coldstart" },
  d1Persist: persist,
  // The Cache API (where Kith keeps providers' JWKS across isolates) from the same directory,
  // or empty, in memory.
  ...(cache ? { cachePersist: persist } : {}),
  bindings: { ...secrets },
  host: "127.0.0.1",
  port: 0,
});

/** One sample: a fresh instance, timed to ready, then its first and second request. */
async function sample(options, request) {
  const opts = options(); // outside the timer: copying a D1 is not start-up
  const t0 = performance.now();
  const mf = new Miniflare(opts);
  try {
    const url = (await mf.ready).origin;
    const ready = performance.now() - t0;
    const timed = async () => {
      const t = performance.now();
      await request(url);
      return performance.now() - t;
    };
    const first = await timed();
    const second = await timed();
    return { ready, first, second };
  } finally {
    await mf.dispose();
  }
}

/** Sends a request and insists on a 200 with a JSON body that `check` accepts. */
async function call(url, init, check) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text}`);
  if (!check(JSON.parse(text))) throw new Error(`${url}: unexpected answer ${text}`);
}

const forge = await startForge();
const rows = [];
try {
  // The template D1: migrations, a project, the forge provider and one user, written through
  // Kith's own admin API and sign-in; every sign-in sample starts from a copy of it.
  const template = join(work, "template");
  const pid = randomUUID();
  const signIn = (url) => {
    const nonce = randomUUID();
    const idToken = forge.token({ aud: "app", sub: "returning-user", nonce, claims: { email: "returning@example.com", email_verified: true, name: "R" } });
    return call(`${url}/api/auth/login/social`, {
      method: "POST",
      headers: { "content-type": "application/json", "project-id": pid },
      body: JSON.stringify({ provider: "oidc:forge", id_token: idToken, nonce }),
    }, (b) => typeof b.access_token === "string");
  };
  {
    const mf = new Miniflare(kithOptions(template, { cache: true }));
    try {
      const url = (await mf.ready).origin;
      const db = await mf.getD1Database("DB");
      await db.batch(migrationStatements().map((s) => db.prepare(s)));
      const admin = (path, body) => call(url + path, {
        method: "PUT",
        headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }, () => true);
      await admin(`/admin/projects/${pid}`, { name: "Cold start", settings: { sign_in_per_minute: 100000 } });
      await admin(`/admin/projects/${pid}/providers/oidc%3Aforge`, forge.provider("app"));
      await signIn(url); // the sign-up: later sign-ins are a returning user's
    } finally {
      await mf.dispose();
    }
  }
  const copy = () => {
    const dir = join(work, `d1-${randomUUID()}`);
    cpSync(template, dir, { recursive: true });
    return dir;
  };

  const kithSize = uploadSize(KITH);
  const workers = [
    {
      name: "Kith, `GET /.well-known/jwks.json`",
      size: kithSize,
      options: () => kithOptions(copy()),
      request: (url) => call(`${url}/.well-known/jwks.json`, {}, (b) => Array.isArray(b.keys) && b.keys.length > 0),
    },
    { name: "Kith, id_token sign-in (returning user)", size: kithSize, options: () => kithOptions(copy()), request: signIn },
    // On Cloudflare the Cache API is per location: a fresh isolate often finds the JWKS there.
    { name: "Kith, id_token sign-in, provider's JWKS in the Cache API", size: kithSize, options: () => kithOptions(copy(), { cache: true }), request: signIn },
    {
      name: "bare workers-rs Worker, `POST /` (1 D1 query)",
      size: uploadSize(BARE),
      // Its D1 on disk too (a fresh, empty one), as Kith's.
      options: () => ({ ...wasmWorker(BARE), d1Databases: { DB: "bare" }, d1Persist: join(work, `d1-${randomUUID()}`), host: "127.0.0.1", port: 0 }),
      request: (url) => call(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ v: "x" }) }, (b) => b.v === "x"),
    },
    {
      name: "JavaScript Worker, empty (the runtime alone)",
      size: null,
      options: () => ({ modules: true, script: `export default { fetch: () => new Response("{}") };`, compatibilityDate: compatibilityDate(KITH), host: "127.0.0.1", port: 0 }),
      request: (url) => call(url, {}, () => true),
    },
  ];
  const runs = workers.map(() => []);
  for (let s = 0; s < SAMPLES; s++) {
    for (const [i, w] of workers.entries()) {
      const hits = forge.jwksHits;
      runs[i].push({ ...(await sample(w.options, w.request)), jwksFetches: forge.jwksHits - hits });
    }
  }
  for (const [i, w] of workers.entries()) {
    const pick = (k) => summary(runs[i].map((r) => r[k]));
    // How often the provider's JWKS was fetched per sample (1 for a sign-in without it cached).
    const jwks_fetches = [...new Set(runs[i].map((r) => r.jwksFetches))];
    rows.push({ name: w.name, upload: w.size, ready_ms: pick("ready"), first_ms: pick("first"), second_ms: pick("second"), jwks_fetches });
  }
} finally {
  await forge.close();
  rmSync(work, { recursive: true, force: true });
}

const f = (s) => `${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ${s.max.toFixed(1)}`;
console.log(`| Worker (${SAMPLES} fresh workerd processes each) | upload raw KiB | gzip KiB | to ready ms (min / median / max) | first request ms | second request ms |`);
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.name} | ${r.upload?.raw_kib ?? "—"} | ${r.upload?.gzip_kib ?? "—"} | ${f(r.ready_ms)} | ${f(r.first_ms)} | ${f(r.second_ms)} |`);
}
writeFileSync(join(root, "target", "bench-coldstart.json"), JSON.stringify({ samples: SAMPLES, rows }, null, 2));
