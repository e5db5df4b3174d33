// scripts/lib/wasm-names.mjs: the SDK module's imports and exports renamed in the wasm and the
// glue alike (a name the glue does not provide is a LinkError at instantiation), and the build
// refused when the glue does not have a name where it is expected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { renameWasm, renameGlue } from "../../scripts/lib/wasm-names.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A module importing `module.field` (a function of type () -> ()) and exporting `name`. */
function tinyModule(module, field, name) {
  const str = (s) => [s.length, ...Buffer.from(s)];
  const section = (id, body) => [id, body.length, ...body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 0, 0]), // one type: () -> ()
    ...section(2, [1, ...str(module), ...str(field), 0x00, 0]), // import function of type 0
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...str(name), 0x00, 1]), // export function 1
    ...section(10, [1, 2, 0, 0x0b]), // its body: end
  ]);
}

test("imports and exports get short names in the wasm and in the glue, and still link", async () => {
  const field = "__wbg_fetch_78e6badba83c62ad";
  const renamed = renameWasm(tinyModule("./kith_sdk_bg.js", field, "client_call"));
  const glue = `const imports = { "./kith_sdk_bg.js": { ${field}: function() { calls++; } } }; wasm.client_call();`;
  const js = renameGlue(glue, renamed);
  assert.equal(js, `const imports = { a: { a: function() { calls++; } } }; wasm.a();`);
  const { instance } = await WebAssembly.instantiate(renamed.wasm, { a: { a: () => {} } });
  assert.deepEqual(Object.keys(instance.exports), ["a"]);
});

test("a name the glue does not have stops the build", () => {
  const renamed = renameWasm(tinyModule("./kith_sdk_bg.js", "__wbg_gone_0123456789abcdef", "f"));
  assert.throws(() => renameGlue(`const imports = { "./kith_sdk_bg.js": {} };`, renamed), /__wbg_gone_0123456789abcdef is not in the glue/);
});

test("the shipped module instantiates with its glue and answers through a renamed export", async () => {
  const wasm = readFileSync(join(root, "pkg", "wasm", "kith_sdk_bg.wasm"));
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm));
  assert.ok(imports.length > 20 && imports.every((i) => i.module === "a" && i.name.length <= 2), JSON.stringify(imports));
  const glue = await import(join(root, "pkg", "wasm", "kith_sdk.js"));
  glue.initSync({ module: wasm }); // a LinkError if the glue lacks one of the module's imports
  // No `window` in Node: the CSPRNG is missing, and the SDK says so with its own error object.
  assert.throws(() => glue.createNonce(), (e) => e.code === "invalid_request" && /getRandomValues/.test(e.message));
});
