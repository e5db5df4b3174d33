// SDK sizes side by side: Kith's package (its JS and the wasm it fetches) against esbuild
// bundles (minified, browser, ESM) of peers doing a login-capable import. Deterministic, so
// one run suffices. `node bench/sizes.mjs` (after `npm run build`); peers are installed
// from the npm registry into bench/sizes/node_modules on first use.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const peersDir = join(here, "sizes");
if (!existsSync(join(peersDir, "node_modules"))) {
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: peersDir, stdio: "inherit" });
}
const esbuild = join(root, "node_modules", ".bin", "esbuild");
const work = mkdtempSync(join(tmpdir(), "kith-sizes-"));

const peers = {
  "oidc-client-ts": `import { UserManager } from "oidc-client-ts";
    const m = new UserManager({ authority: "https://op.example", client_id: "c", redirect_uri: "https://app.example/" });
    window.login = () => m.signinRedirect(); window.callback = () => m.signinRedirectCallback();`,
  "@supabase/auth-js": `import { AuthClient } from "@supabase/auth-js";
    const c = new AuthClient({ url: "https://x.supabase.co/auth/v1" });
    window.login = () => c.signInWithOAuth({ provider: "google" }); window.session = () => c.getSession();`,
  "firebase/auth": `import { initializeApp } from "firebase/app";
    import { getAuth, GoogleAuthProvider, signInWithRedirect, getRedirectResult } from "firebase/auth";
    const auth = getAuth(initializeApp({ apiKey: "k", authDomain: "x.firebaseapp.com" }));
    window.login = () => signInWithRedirect(auth, new GoogleAuthProvider()); window.callback = () => getRedirectResult(auth);`,
  "@auth0/auth0-spa-js": `import { createAuth0Client } from "@auth0/auth0-spa-js";
    const c = createAuth0Client({ domain: "x.auth0.com", clientId: "c" });
    window.login = async () => (await c).loginWithRedirect(); window.callback = async () => (await c).handleRedirectCallback();`,
  "kith-sdk (JS)": `import { createClient } from ${JSON.stringify(join(root, "pkg", "index.js"))};
    const k = createClient({ baseUrl: "https://auth.example.com", projectId: "p" });
    window.login = () => k.signInWithRedirect({ provider: "google", redirectUri: "https://app.example/" });
    window.callback = () => k.handleRedirectCallback();`,
};

const measure = (data) => ({
  raw: data.length,
  gzip: gzipSync(data, { level: 9 }).length,
  brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

const rows = [];
for (const [name, source] of Object.entries(peers)) {
  const entry = join(work, `${rows.length}.mjs`);
  const out = join(work, `${rows.length}.out.js`);
  writeFileSync(entry, source);
  execFileSync(esbuild, [entry, "--bundle", "--minify", "--format=esm", "--platform=browser", "--log-level=error", `--outfile=${out}`], {
    cwd: peersDir,
    env: { ...process.env, NODE_PATH: join(peersDir, "node_modules") },
  });
  rows.push({ name, ...measure(readFileSync(out)) });
}
const wasm = measure(readFileSync(join(root, "pkg", "wasm", "kith_sdk_bg.wasm")));
const kithJs = rows.find((r) => r.name === "kith-sdk (JS)");
rows.push({ name: "kith-sdk (JS + wasm)", raw: kithJs.raw + wasm.raw, gzip: kithJs.gzip + wasm.gzip, brotli: kithJs.brotli + wasm.brotli });

const kb = (n) => (n / 1024).toFixed(1);
const kith = rows.at(-1);
console.log("| SDK (login-capable import, esbuild --minify) | raw KB | gzip KB | brotli KB | gzip vs Kith |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.name} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} | ${(r.gzip / kith.gzip).toFixed(2)}x |`);

// The Worker bundle as Cloudflare would receive it (wrangler's own count), against the limits.
const dry = execFileSync(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", join(work, "dist")], {
  cwd: join(root, "edge-worker"),
  encoding: "utf8",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
const upload = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(dry);
const worker = upload ? { raw_kib: Number(upload[1]), gzip_kib: Number(upload[2]) } : null;
if (worker) {
  console.log("\n| Worker bundle (wrangler deploy --dry-run) | KiB | share of the free plan's 3 MiB (gzip) | share of the paid plan's 10 MiB (gzip) |");
  console.log("|---|---|---|---|");
  console.log(`| upload, gzip | ${worker.gzip_kib} (raw ${worker.raw_kib}) | ${((worker.gzip_kib / 3072) * 100).toFixed(1)} % | ${((worker.gzip_kib / 10240) * 100).toFixed(1)} % |`);
}
writeFileSync(join(root, "target", "bench-sizes.json"), JSON.stringify({ sdk: rows, worker }, null, 2));
