// The npm package as users get it: `npm pack` output linted by publint --strict and
// @arethetypeswrong/cli (both entries), SSR-safe import, types matching the runtime API, a
// snapshot of the wasm-bindgen declarations (an API change must be deliberate), and a server
// entry that touches no browser global and pulls in no wasm.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { build } from "esbuild";
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

test("npm pack output passes publint --strict and @arethetypeswrong/cli (ESM-only profile)", () => {
  const out = mkdtempSync(join(tmpdir(), "kith-pack-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: join(root, "pkg"), encoding: "utf8" }));
  const files = packed[0].files.map((f) => f.path).sort();
  assert.deepEqual(files, ["README.md", "error.js", "index.d.ts", "index.js", "package.json", "server.d.ts", "server.js", "wasm/kith_sdk.d.ts", "wasm/kith_sdk.js", "wasm/kith_sdk_bg.wasm"]);
  execFileSync(bin("publint"), ["--strict", join(root, "pkg")], { encoding: "utf8" });
  execFileSync(bin("attw"), ["--profile", "esm-only", join(out, packed[0].filename)], { encoding: "utf8" });
  const attw = JSON.parse(execFileSync(bin("attw"), ["--profile", "esm-only", "--format", "json", join(out, packed[0].filename)], { encoding: "utf8" }));
  assert.deepEqual(Object.keys(attw.analysis.entrypoints).sort(), [".", "./package.json", "./server"], "attw checked both entries");
});

test("importing the package touches no browser global (SSR-safe) and the client has exactly the typed methods", async () => {
  assert.equal(typeof globalThis.window, "undefined");
  const sdk = await import(join(root, "pkg", "index.js"));
  assert.equal(typeof sdk.createClient, "function");
  const kith = sdk.createClient({ baseUrl: "https://auth.example.com", projectId: "p" });
  const dts = readFileSync(join(root, "pkg", "index.d.ts"), "utf8");
  const iface = /export interface KithClient \{([\s\S]*?)\n\}/.exec(dts)[1];
  const typed = [...new Set([...iface.matchAll(/^\s+(\w+)\(/gm)].map((m) => m[1]))].sort();
  assert.deepEqual(Object.keys(kith).sort(), typed);
  assert.equal(kith.getSession(), null, "no storage on the server: no session, no crash");
  const off = kith.onAuthStateChange(() => {});
  assert.equal(typeof off, "function");
  kith.dispose();
  const err = new sdk.KithError("state_mismatch", "x");
  assert.ok(err instanceof Error && err instanceof sdk.KithError && err.code === "state_mismatch");
  assert.ok(sdk.isKithError(err) && !sdk.isKithError(new Error("x")) && !sdk.isKithError({ code: "x" }));
  assert.throws(() => sdk.createClient({ baseUrl: "nope", projectId: "p" }), (e) => e.code === "invalid_request");
});

test("createClient accepts https anywhere and plain http only on loopback (the core's rule)", async () => {
  const { createClient } = await import(join(root, "pkg", "index.js"));
  const ok = ["https://auth.example.com", "https://auth.example.com:8443/base/", "HTTPS://Auth.Example.com",
    "http://localhost:8787", "http://127.0.0.1:8787/", "http://[::1]:8787"];
  const refused = ["http://auth.example.com", "http://localhost.evil.example", "http://127.0.0.1.nip.io",
    "http://evil.example\\@localhost/", "http://localhost@evil.example/", "https://user:pw@auth.example.com",
    "javascript:alert(1)", "//auth.example.com", "ftp://auth.example.com", " https://auth.example.com",
    "http://localhost:port", "http://127.1"];
  for (const baseUrl of ok) assert.doesNotThrow(() => createClient({ baseUrl, projectId: "p" }).dispose(), baseUrl);
  for (const baseUrl of refused) {
    assert.throws(() => createClient({ baseUrl, projectId: "p" }), (e) => e.code === "invalid_request", baseUrl);
  }
});

test("the error-code union is closed: one code per line, no open string", () => {
  const dts = readFileSync(join(root, "pkg", "index.d.ts"), "utf8");
  const union = /export type KithErrorCode =\n([\s\S]*?);/.exec(dts)[1];
  const lines = union.split("\n");
  assert.ok(lines.every((l) => /^  \| "[a-z_]+"$/.test(l)), union);
  const codes = lines.map((l) => l.slice(5, -1));
  for (const client of ["state_mismatch", "missing_code_verifier", "network_error", "storage_unavailable", "token_expired", "jwks_unavailable", "session_revoked"]) assert.ok(codes.includes(client), client);
  // The Worker's wire codes: `Variant => "code"` or, in its code table, `Variant => ("code", status)`.
  const worker = readFileSync(join(root, "edge-worker", "src", "error.rs"), "utf8");
  const served = [...worker.matchAll(/=> \(?"([a-z_]+)"(?:, \d{3}\))?/g)].map((m) => m[1]);
  assert.ok(served.length > 15);
  assert.deepEqual(served.filter((c) => !codes.includes(c)), [], "every Worker code is in the union");
});

test("the generated wasm-bindgen declarations match the snapshot", () => {
  // Closure shims are named after a hash of their Rust type: the API is the rest.
  const generated = readFileSync(join(root, "pkg", "wasm", "kith_sdk.d.ts"), "utf8").replace(/__invoke__h[0-9a-f]{16}/g, "__invoke__h…");
  const snapshot = readFileSync(join(root, "tests", "sdk", "kith_sdk.d.ts.snap"), "utf8");
  assert.equal(generated, snapshot, "the wasm API changed: review it, then copy pkg/wasm/kith_sdk.d.ts to tests/sdk/kith_sdk.d.ts.snap");
});

test("the server entry's module graph is server.js, error.js and jose: no wasm, no browser entry", async () => {
  const out = await build({ entryPoints: [join(root, "pkg", "server.js")], bundle: true, format: "esm", platform: "neutral", metafile: true, write: false, logLevel: "silent" });
  const inputs = Object.keys(out.metafile.inputs);
  const own = inputs.filter((p) => !p.includes("node_modules/jose/")).map((p) => p.replace(/^.*pkg\//, "pkg/")).sort();
  assert.deepEqual(own, ["pkg/error.js", "pkg/server.js"]);
  assert.ok(inputs.some((p) => p.includes("node_modules/jose/dist/webapi/")), "jose's WebCrypto build");
  assert.ok(!inputs.some((p) => p.endsWith(".wasm") || p.includes("kith_sdk")), inputs.join("\n"));
});

test("the server entry runs in plain Node with every browser global trapped and verifies a token", () => {
  // A child process: browser globals throw when touched, every loaded module is recorded.
  const script = `
    import { register } from "node:module";
    const touched = [];
    for (const name of ["window", "document", "localStorage", "sessionStorage", "location", "self", "XMLHttpRequest", "indexedDB"]) {
      Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); throw new Error(name + " touched"); } });
    }
    register("data:text/javascript," + encodeURIComponent(\`
      export async function load(url, context, next) { if (url.endsWith(".wasm") || url.includes("/pkg/index.js") || url.includes("kith_sdk")) throw new Error("loaded " + url); return next(url, context); }
    \`));
    const { SignJWT, generateKeyPair, exportJWK } = await import("jose");
    const { verifyAccessToken, KithError } = await import(${JSON.stringify(join(root, "pkg", "server.js"))});
    const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" }] };
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: "u1", sid: "s1", email: null, email_verified: false, roles: [], permissions: [], amr: ["social:google"] })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: "k1" }).setIssuer("https://auth.example.com").setAudience("p1").setIssuedAt(now).setExpirationTime(now + 60).sign(privateKey);
    const fetch = async (url) => url === "https://auth.example.com/.well-known/jwks.json" ? Response.json(jwks) : new Response("", { status: 404 });
    const claims = await verifyAccessToken(token, { issuer: "https://auth.example.com", projectId: "p1", fetch });
    let code;
    try { await verifyAccessToken(token, { issuer: "https://auth.example.com", projectId: "p2", fetch }); } catch (e) { code = e instanceof KithError && e.code; }
    console.log(JSON.stringify({ sub: claims.sub, code, touched }));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out.trim().split("\n").pop()), { sub: "u1", code: "invalid_token", touched: [] });
});

test("the server entry's types: the options, the claims and the error codes it throws", () => {
  const dts = readFileSync(join(root, "pkg", "server.d.ts"), "utf8");
  const claims = /export interface AccessClaims \{([\s\S]*?)\n\}/.exec(dts)[1];
  const names = [...claims.matchAll(/readonly (\w+):/g)].map((m) => m[1]).sort();
  assert.deepEqual(names, ["amr", "aud", "email", "email_verified", "exp", "iat", "iss", "permissions", "roles", "sid", "sub"]);
  const index = readFileSync(join(root, "pkg", "index.d.ts"), "utf8");
  const union = /export type KithErrorCode =\n([\s\S]*?);/.exec(index)[1];
  const serverCodes = [.../export type ServerErrorCode = Extract<[\s\S]*?>;/.exec(dts)[0].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  for (const code of serverCodes) assert.ok(union.includes(`"${code}"`), code);
  const source = readFileSync(join(root, "pkg", "server.js"), "utf8");
  const thrown = new Set([...source.matchAll(/new KithError\("([a-z_]+)"/g)].map((m) => m[1]));
  for (const code of thrown) assert.ok(serverCodes.includes(code), `${code} is thrown but not in ServerErrorCode`);
});

test("installed from the packed tarball, `kith-sdk/server` resolves by name (with jose) and shares KithError with the browser entry", () => {
  const work = mkdtempSync(join(tmpdir(), "kith-server-app-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: join(root, "pkg"), encoding: "utf8" }));
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "kith-server-app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(work, packed[0].filename)], { cwd: work, stdio: "ignore" });
  const script = `
    const server = await import("kith-sdk/server");
    const browser = await import("kith-sdk");
    const e = await server.verifyAccessToken("x.y.z", { issuer: "https://auth.example.com", projectId: "p" }).catch((e) => e);
    console.log(JSON.stringify({ exports: Object.keys(server).sort(), same: server.KithError === browser.KithError, code: e.code, instance: e instanceof browser.KithError }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: work, encoding: "utf8" }).trim());
  assert.deepEqual(out, { exports: ["KithError", "isKithError", "verifyAccessToken"], same: true, code: "invalid_token", instance: true });
  rmSync(work, { recursive: true, force: true });
});
