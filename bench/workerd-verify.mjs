// id_token signature checks inside workerd (the Workers runtime, via Miniflare): the raw
// `crypto.subtle.verify` floor against panva `jose` `jwtVerify` (npm, bundled by esbuild) on
// the same RS256 and ES256 tokens. workerd freezes its clock while code runs, so each request
// does N verifications and the time is taken outside, per request, over several samples.
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
writeFileSync(join(work, "worker.mjs"), `
import { jwtVerify, importJWK } from "jose";
const params = { RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
                 ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }] };
const cache = new Map();
export default {
  async fetch(req) {
    const { mode, alg, token, jwk, n } = await req.json();
    const [h, p, s] = token.split(".");
    if (mode === "floor") {
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
execFileSync(join(root, "node_modules", ".bin", "esbuild"), [join(work, "worker.mjs"), "--bundle", "--format=esm", "--platform=neutral", `--outfile=${join(work, "out.mjs")}`, "--log-level=error"], {
  env: { ...process.env, NODE_PATH: join(tools, "node_modules") },
});
const mf = new Miniflare({ modules: true, script: readFileSync(join(work, "out.mjs"), "utf8"), compatibilityDate: "2026-04-01", compatibilityFlags: ["nodejs_compat"] });
const results = [];
try {
  const url = (await mf.ready).origin;
  for (const alg of ["RS256", "ES256"]) {
    for (const mode of ["floor", "jose"]) {
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
console.log("| per verification inside workerd | crypto.subtle.verify floor µs (min / median / max) | jose jwtVerify µs (min / median / max) | jose / floor (median) |");
console.log("|---|---|---|---|");
for (const alg of ["RS256", "ES256"]) {
  const [f, j] = [row(alg, "floor"), row(alg, "jose")];
  console.log(`| ${alg} | ${f.map((x) => x.toFixed(1)).join(" / ")} | ${j.map((x) => x.toFixed(1)).join(" / ")} | ${(j[1] / f[1]).toFixed(2)} |`);
}
mkdirSync(join(root, "target"), { recursive: true });
writeFileSync(join(root, "target", "bench-workerd-verify.json"), JSON.stringify({ samples: SAMPLES, n: N, results }, null, 2));
