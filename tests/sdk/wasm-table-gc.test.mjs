// scripts/lib/wasm-table-gc.mjs: the function-table entries nothing names are dropped, the
// live ones renumbered in code and data alike (a module built that way still calls the right
// functions), and the build stopped on anything that could hide a table index.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { rewrite, TABLE_BASE } from "../../scripts/lib/wasm-table-gc.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");
const work = mkdtempSync(join(tmpdir(), "kith-table-gc-"));
const le = (n) => [0, 8, 16, 24].map((s) => `\\${((n >> s) & 0xff).toString(16).padStart(2, "0")}`).join("");

/** A module with three table entries: one named by a data word, one by code, one by nothing. */
const source = (extra = "") => `(module
  (type $t (func (result i32)))
  (memory 1)
  (table $0 ${TABLE_BASE + 3} ${TABLE_BASE + 3} funcref)
  (elem (i32.const ${TABLE_BASE}) $dead $viaData $viaCode)
  (data (i32.const 16) "${le(TABLE_BASE + 1)}")
  (func $dead (result i32) (i32.const 1))
  (func $viaData (result i32) (i32.const 2))
  (func $viaCode (result i32) (i32.const 3))
  (func (export "fromData") (result i32) (call_indirect (type $t) (i32.load (i32.const 16))))
  (func (export "fromCode") (result i32) (call_indirect (type $t) (i32.const ${TABLE_BASE + 2})))
  ${extra})`;

/** wasm-opt's own printing of `wat`, as scripts/build.sh feeds the script. */
function printed(wat) {
  const file = join(work, `in-${Math.random()}.wat`);
  writeFileSync(file, wat);
  return execFileSync(wasmOpt, [file, "--enable-reference-types", "--enable-bulk-memory", "--print"], { encoding: "utf8" });
}

test("dead entries go, live ones are renumbered in data and code, and the module still calls them", async () => {
  const { wat, before, after } = rewrite(printed(source()));
  assert.deepEqual([before, after], [3, 2]);
  assert.doesNotMatch(wat, /\$dead\b.*\$viaData/, "the unnamed entry is gone from the segment");
  assert.match(wat, /\(table \$0 3 3 funcref\)/, "the table shrinks to the live entries");
  const file = join(work, "out.wat");
  writeFileSync(file, wat);
  execFileSync(wasmOpt, [file, "--enable-reference-types", "--enable-bulk-memory", "-o", join(work, "out.wasm")]);
  const { instance } = await WebAssembly.instantiate(readFileSync(join(work, "out.wasm")));
  assert.equal(instance.exports.fromData(), 2, "the index in the data points at the same function");
  assert.equal(instance.exports.fromCode(), 3, "the index in the code points at the same function");
});

test("an index that is an operand of arithmetic stops the build", () => {
  const extra = `(func (export "computed") (result i32)
    (call_indirect (type $t) (i32.add (i32.const ${TABLE_BASE}) (i32.load (i32.const 32)))))`;
  assert.throws(() => rewrite(printed(source(extra))), /operand of arithmetic/);
});

test("direct access to the table stops the build", () => {
  const extra = `(func (export "peek") (result funcref) (table.get $0 (i32.const 0)))`;
  assert.throws(() => rewrite(printed(source(extra))), /table 0 used directly/);
});

test("an index at an unaligned address stops the build", () => {
  const extra = `(data (i32.const 41) "${le(TABLE_BASE + 1)}")`;
  assert.throws(() => rewrite(printed(source(extra))), /unaligned/);
});
