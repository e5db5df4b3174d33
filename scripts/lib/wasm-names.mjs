// Short names for the SDK module's imports and exports (run by scripts/build.sh after wasm-opt).
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` and every closure export
// `wasm_bindgen__convert__closures_____invoke__h<16 hex digits>`; each name is written twice
// (the wasm's import/export section and the JS glue), and hashes do not compress: ~80 names
// cost ~2 KB of the gzipped bundle. This renames them all to one or two letters in the wasm and
// in the glue, and fails the build if a name is not where the glue is known to use it (a
// wasm-bindgen upgrade that changes the glue's shape stops here instead of shipping a module
// whose imports do not resolve).
//
// `node scripts/lib/wasm-names.mjs pkg/wasm/kith_sdk_bg.wasm pkg/wasm/kith_sdk.js pkg/wasm/kith_sdk.d.ts`
// (the declarations' `InitOutput` lists the exports: renamed alike).
import { readFileSync, writeFileSync } from "node:fs";

/** `i`-th short identifier: a..z, A..Z, then two letters. */
function shortName(i) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return i < letters.length ? letters[i] : letters[Math.floor(i / letters.length) - 1] + letters[i % letters.length];
}

function readU32(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

function u32(value) {
  const out = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return out;
}

const text = (s) => [...u32(Buffer.byteLength(s)), ...Buffer.from(s)];

/** Reads a length-prefixed name at `at`: [name, next offset]. */
function readName(bytes, at) {
  const [len, start] = readU32(bytes, at);
  return [Buffer.from(bytes.subarray(start, start + len)).toString("utf8"), start + len];
}

/** The end of an import's description (WebAssembly core spec 5.5.5, with tags). */
function skipImportDesc(bytes, at) {
  const kind = bytes[at++];
  const limits = (p) => {
    const flags = bytes[p++];
    [, p] = readU32(bytes, p);
    if (flags & 1) [, p] = readU32(bytes, p);
    return p;
  };
  if (kind === 0) return readU32(bytes, at)[1]; // function: type index
  if (kind === 1) return limits(at + 1); // table: reftype, limits
  if (kind === 2) return limits(at); // memory: limits
  if (kind === 3) return at + 2; // global: valtype, mutability
  if (kind === 4) return readU32(bytes, at + 1)[1]; // tag: attribute, type index
  throw new Error(`wasm-names: unknown import kind ${kind}`);
}

/** Renames the module's imports (field and module names) and exports; returns the maps. */
export function renameWasm(bytes) {
  const imports = new Map();
  const exports = new Map();
  const modules = new Map();
  const out = [...bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = readU32(bytes, at + 1);
    const end = start + size;
    if (id !== 2 && id !== 7) {
      out.push(...bytes.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = readU32(bytes, start);
    const body = [...u32(count)];
    for (let i = 0; i < count; i++) {
      if (id === 2) {
        let module, field;
        [module, p] = readName(bytes, p);
        [field, p] = readName(bytes, p);
        const descEnd = skipImportDesc(bytes, p);
        if (!modules.has(module)) modules.set(module, shortName(modules.size));
        if (!imports.has(field)) imports.set(field, shortName(imports.size));
        body.push(...text(modules.get(module)), ...text(imports.get(field)), ...bytes.subarray(p, descEnd));
        p = descEnd;
      } else {
        let name;
        [name, p] = readName(bytes, p);
        const kind = bytes[p];
        const [, next] = readU32(bytes, p + 1);
        exports.set(name, shortName(exports.size));
        body.push(...text(exports.get(name)), ...bytes.subarray(p, next));
        p = next;
      }
    }
    if (p !== end) throw new Error(`wasm-names: section ${id} has trailing bytes`);
    out.push(id, ...u32(body.length), ...body);
    at = end;
  }
  return { wasm: Uint8Array.from(out), imports, exports, modules };
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The glue with the new names: import keys `name:`, the module key, and `wasm.export`. */
export function renameGlue(js, { imports, exports, modules }) {
  const swap = (pattern, replacement, what) => {
    let found = 0;
    js = js.replace(pattern, () => (found++, replacement));
    if (!found) throw new Error(`wasm-names: ${what} is not in the glue`);
  };
  for (const [from, to] of imports) swap(new RegExp(`\\b${escape(from)}:`, "g"), `${to}:`, `import ${from}`);
  for (const [from, to] of modules) swap(new RegExp(`"${escape(from)}":`, "g"), `${to}:`, `module ${from}`);
  for (const [from, to] of exports) {
    // Exports the glue never touches (none today) would simply keep working under a new name
    // nobody asks for; only `wasm.<name>` uses are renamed.
    js = js.replace(new RegExp(`\\bwasm\\.${escape(from)}\\b`, "g"), `wasm.${to}`);
  }
  return js;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [wasmPath, jsPath, dtsPath] = process.argv.slice(2);
  const renamed = renameWasm(readFileSync(wasmPath));
  const js = renameGlue(readFileSync(jsPath, "utf8"), renamed);
  const left = /\b(__wbg_\w+_[0-9a-f]{16}|wasm_bindgen__convert__closures_____invoke__h[0-9a-f]{16})\b/.exec(js);
  if (left && js.includes(`wasm.${left[1]}`)) throw new Error(`wasm-names: ${left[1]} is still used by the glue`);
  let dts = readFileSync(dtsPath, "utf8");
  for (const [from, to] of renamed.exports) {
    dts = dts.replace(new RegExp(`\\breadonly ${escape(from)}:`, "g"), `readonly ${to}:`);
  }
  writeFileSync(wasmPath, renamed.wasm);
  writeFileSync(jsPath, js);
  writeFileSync(dtsPath, dts);
  console.log(`wasm-names: ${renamed.imports.size} imports, ${renamed.exports.size} exports renamed`);
}
