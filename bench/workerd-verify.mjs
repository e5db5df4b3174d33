// id_token checks inside workerd (the Workers runtime, via Miniflare), on the same RS256 and
// ES256 tokens: Kith's own path (kith-claims' parse + 3.1.3.7 validation in wasm, signatures
// by the Worker's WebCrypto verifier; bench/workerd-kith builds it with the Worker's release
// profile), the raw `crypto.subtle.verify` floor, and panva `jose` `jwtVerify` (npm, bundled
// by esbuild). workerd freezes its clock while code runs, so each request does N
// verifications and the time is taken outside, per request, over several samples.
//   node bench/workerd-verify.mjs [samples=7] [n=500]
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const tools = join(here, "sizes");
if (!existsSync(join(tools, "node_modules", "jose"))) {
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: tools, stdio: "inherit" });
}
const SAMPLES = Number(process.argv[2] ?? 7);
const N = Number(process.argv[3] ?? 500);

const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const claims = { iss: "https://op.example", aud: "app", sub: "u1", iat: now, exp: now + 3600, nonce: "n" };
function token(alg, key, kid) {
  const input = `${b64({ alg, kid, typ: "JWT" })}.${b64(claims)}`;
  const sig = alg === "ES256" ? sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }) : sign("sha256", Buffer.from(input), key);
  return `${input}.${sig.toString("base64url")}`;
}
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const cases = {
  RS256: { token: token("RS256", rsa.privateKey, "r"), jwk: { ...rsa.publicKey.export({ format: "jwk" }), kid: "r", alg: "RS256" } },
  ES256: { token: token("ES256", ec.privateKey, "e"), jwk: { ...ec.publicKey.export({ format: "jwk" }), kid: "e", alg: "ES256" } },
};

const work = mkdtempSync(join(tmpdir(), "kith-workerd-verify-"));
// Kith's verification path as a wasm module (cargo opt-level 3 + wasm-bindgen + wasm-opt -O3, the
// Worker's own build profile: Cargo.toml [profile.worker], scripts/build.sh).
const kithCrate = join(here, "workerd-kith");
execFileSync("cargo", ["build", "-q", "--release", "--target", "wasm32-unknown-unknown"], { cwd: kithCrate, stdio: "inherit" });
execFileSync(join(process.env.HOME, ".cargo", "bin", "wasm-bindgen"), ["--target", "web", "--out-dir", work, "--out-name", "kith", join(kithCrate, "target", "wasm32-unknown-unknown", "release", "kith_bench_workerd.wasm")]);
execFileSync(join(root, "node_modules", ".bin", "wasm-opt"), ["-O3", ...["mutable-globals", "sign-ext", "nontrapping-float-to-int", "bulk-memory", "multivalue", "reference-types", "exception-handling"].map((f) => `--enable-${f}`), join(work, "kith_bg.wasm"), "-o", join(work, "kith_bg.wasm")]);
writeFileSync(join(work, "worker.mjs"), `
import { jwtVerify, importJWK } from "jose";
import { initSync, verify_n } from "./kith.js";
import kithWasm from "./kith_bg.wasm";
initSync({ module: kithWasm });
const params = { RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
                 ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }] };
const cache = new Map();
export default {
  async fetch(req) {
    const { mode, alg, token, jwk, n } = await req.json();
    const [h, p, s] = token.split(".");
    if (mode === "kith") {
      const passed = await verify_n(token, JSON.stringify({ keys: [jwk] }), "https://op.example", "app", "n", Date.now() / 1000, n);
      if (passed !== n) throw new Error("bad");
    } else if (mode === "floor") {
      // The floor: one imported key, decode, and crypto.subtle.verify; no claim checks.
      const key = cache.get(alg) ?? await crypto.subtle.importKey("jwk", jwk, params[alg][0], false, ["verify"]);
      cache.set(alg, key);
      const sig = Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      const data = new TextEncoder().encode(h + "." + p);
      for (let i = 0; i < n; i++) if (!(await crypto.subtle.verify(params[alg][1], key, sig, data))) throw new Error("bad");
    } else {
      const key = cache.get("jose" + alg) ?? await importJWK(jwk, alg);
      cache.set("jose" + alg, key);
      for (let i = 0; i < n; i++) await jwtVerify(token, key, { issuer: "https://op.example", audience: "app", algorithms: [alg] });
    }
    return new Response("ok");
  },
};`);
execFileSync(join(root, "node_modules", ".bin", "esbuild"), [join(work, "worker.mjs"), "--bundle", "--format=esm", "--platform=neutral", "--external:*.wasm", `--outfile=${join(work, "out.mjs")}`, "--log-level=error"], {
  env: { ...process.env, NODE_PATH: join(tools, "node_modules") },
});
const mf = new Miniflare({
  modulesRoot: work,
  modules: [
    { type: "ESModule", path: join(work, "out.mjs"), contents: readFileSync(join(work, "out.mjs"), "utf8") },
    { type: "CompiledWasm", path: join(work, "kith_bg.wasm"), contents: readFileSync(join(work, "kith_bg.wasm")) },
  ],
  compatibilityDate: "2026-04-01",
  compatibilityFlags: ["nodejs_compat"],
});
const results = [];
try {
  const url = (await mf.ready).origin;
  for (const alg of ["RS256", "ES256"]) {
    for (const mode of ["floor", "kith", "jose"]) {
      const body = JSON.stringify({ mode, alg, token: cases[alg].token, jwk: cases[alg].jwk, n: N });
      await (await fetch(url, { method: "POST", body })).text(); // warm-up: imports, compilation
      const per = [];
      for (let i = 0; i < SAMPLES; i++) {
        const t0 = process.hrtime.bigint();
        const res = await fetch(url, { method: "POST", body });
        if ((await res.text()) !== "ok") throw new Error(`${mode} ${alg} failed`);
        per.push(Number(process.hrtime.bigint() - t0) / 1000 / N);
      }
      per.sort((a, b) => a - b);
      results.push({ alg, mode, us: [per[0], per[Math.floor(per.length / 2)], per.at(-1)] });
    }
  }
} finally {
  await mf.dispose();
}
const row = (alg, mode) => results.find((r) => r.alg === alg && r.mode === mode).us;
const f = (v) => v.map((x) => x.toFixed(1)).join(" / ");
console.log("| per id_token inside workerd | crypto.subtle.verify floor µs (min / median / max) | Kith (kith-claims + WebCrypto) µs | jose jwtVerify µs | Kith / floor | jose / floor | Kith / jose |");
console.log("|---|---|---|---|---|---|---|");
for (const alg of ["RS256", "ES256"]) {
  const [fl, k, j] = [row(alg, "floor"), row(alg, "kith"), row(alg, "jose")];
  console.log(`| ${alg} | ${f(fl)} | ${f(k)} | ${f(j)} | ${(k[1] / fl[1]).toFixed(2)} | ${(j[1] / fl[1]).toFixed(2)} | ${(k[1] / j[1]).toFixed(2)} |`);
}
mkdirSync(join(root, "target"), { recursive: true });
writeFileSync(join(root, "target", "bench-workerd-verify.json"), JSON.stringify({ samples: SAMPLES, n: N, results }, null, 2));
