// The npm package as users get it: `npm pack` output linted by publint --strict and
// @arethetypeswrong/cli, SSR-safe import, types matching the runtime API, and a snapshot of
// the wasm-bindgen declarations (an API change must be deliberate).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

test("npm pack output passes publint --strict and @arethetypeswrong/cli (ESM-only profile)", () => {
  const out = mkdtempSync(join(tmpdir(), "kith-pack-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: join(root, "pkg"), encoding: "utf8" }));
  const files = packed[0].files.map((f) => f.path).sort();
  assert.deepEqual(files, ["README.md", "index.d.ts", "index.js", "package.json", "wasm/kith_sdk.d.ts", "wasm/kith_sdk.js", "wasm/kith_sdk_bg.wasm"]);
  execFileSync(bin("publint"), ["--strict", join(root, "pkg")], { encoding: "utf8" });
  execFileSync(bin("attw"), ["--profile", "esm-only", join(out, packed[0].filename)], { encoding: "utf8" });
});

test("importing the package touches no browser global (SSR-safe) and the client has exactly the typed methods", async () => {
  assert.equal(typeof globalThis.window, "undefined");
  const sdk = await import(join(root, "pkg", "index.js"));
  assert.equal(typeof sdk.createClient, "function");
  const kith = sdk.createClient({ baseUrl: "https://auth.example.com", projectId: "p" });
  const dts = readFileSync(join(root, "pkg", "index.d.ts"), "utf8");
  const iface = /export interface KithClient \{([\s\S]*?)\n\}/.exec(dts)[1];
  const typed = [...iface.matchAll(/^\s+(\w+)\(/gm)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(kith).sort(), typed);
  assert.equal(kith.getSession(), null, "no storage on the server: no session, no crash");
  const err = new sdk.KithError("state_mismatch", "x");
  assert.ok(err instanceof Error && err instanceof sdk.KithError && err.code === "state_mismatch");
  assert.throws(() => sdk.createClient({ baseUrl: "nope", projectId: "p" }), (e) => e.code === "invalid_request");
});

test("the generated wasm-bindgen declarations match the snapshot", () => {
  const generated = readFileSync(join(root, "pkg", "wasm", "kith_sdk.d.ts"), "utf8");
  const snapshot = readFileSync(join(root, "tests", "sdk", "kith_sdk.d.ts.snap"), "utf8");
  assert.equal(generated, snapshot, "the wasm API changed: review it, then copy pkg/wasm/kith_sdk.d.ts to tests/sdk/kith_sdk.d.ts.snap");
});
