// Drops the function-table entries of the SDK's wasm that nothing can call, and renumbers the
// rest from 1. `node scripts/lib/wasm-table-gc.mjs in.wat out.wat` (wasm-opt --print output of
// the wasm-bindgen module; scripts/build.sh feeds out.wat to wasm-opt -Oz).
//
// Why: wasm-ld puts every function whose address is taken into the table, and the
// `__wbindgen_describe_*` functions of js-sys/web-sys take the address of ~35 closure shims and
// of core's `Display` impls for panic messages. wasm-bindgen deletes those describe functions
// after reading them but keeps the table whole, so the entries (and everything they call,
// ~5 KB of code: `core::fmt::Formatter::pad`, `u32` formatting, js-sys' task waker) stay.
//
// How an entry is known to be live: the module is linked with `--table-base=TABLE_BASE`, so a
// table index is a distinctive number. An index is live if it is written in a data segment
// (vtables, 4-byte aligned) or is an `i32.const` in code. Anything that could hide an index
// stops the build instead: an index constant that is an operand of arithmetic, an unaligned
// or passive-segment occurrence, an instruction that reads or writes table 0 directly, or a
// second active segment. The JS glue calls closures through exports, never by table index.
import { readFileSync, writeFileSync } from "node:fs";

export const TABLE_BASE = 7340033; // 0x700001: no size, mask or character run looks like it

const fail = (why) => {
  throw new Error(`wasm-table-gc: ${why}`);
};

const decode = (text) => {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "\\") {
      out.push(c.charCodeAt(0));
      continue;
    }
    const n = text[++i];
    const named = { t: 9, n: 10, r: 13, '"': 34, "'": 39, "\\": 92 }[n];
    if (named !== undefined) out.push(named);
    else out.push(parseInt(text.slice(i, ++i + 1), 16));
  }
  return Buffer.from(out);
};

const encode = (bytes) => {
  let s = "";
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) s += String.fromCharCode(b);
    else s += "\\" + b.toString(16).padStart(2, "0");
  }
  return s;
};

const NAME = /\$"(?:[^"\\]|\\.)*"|\$[^\s()]+/g;
const CONST = /\(i32\.const (\d+)\)/g;

export function collect(wat) {
  const lines = wat.split("\n");
  // wasm-opt prints `(table $0) ` and `func ` only when the module has more than one table.
  const elems = lines.flatMap((l, i) => (/^ \(elem \$\S+ (\(table \$0\) )?\(i32\.const \d+\)/.test(l) ? [i] : []));
  if (elems.length !== 1) fail(`expected one active segment for table 0, found ${elems.length}`);
  const at = elems[0];
  const [, base, body] = /^ \(elem \$\S+ (?:\(table \$0\) )?\(i32\.const (\d+)\) (?:func )?(.*)\)$/.exec(lines[at]) ?? fail("unreadable segment");
  if (Number(base) !== TABLE_BASE) fail(`segment at ${base}, not at --table-base=${TABLE_BASE}`);
  const funcs = body.match(NAME);
  const inRange = (n) => n >= TABLE_BASE && n < TABLE_BASE + funcs.length;
  const live = new Set();
  const data = [];
  lines.forEach((line, i) => {
    if (i === at) return;
    if (/^ \(table \$0 /.test(line)) return;
    if (/\(table\.(get|set|size|grow|fill|copy|init) \$0\b|\(table\.(copy|init)\b/.test(line)) fail(`table 0 used directly: ${line.trim()}`);
    const seg = /^ \(data (\$\S+ )?(?:\(i32\.const (\d+)\) )?"(.*)"\)$/.exec(line);
    if (seg) {
      const bytes = decode(seg[3]);
      for (let k = 0; k + 4 <= bytes.length; k++) {
        const word = bytes.readUInt32LE(k);
        if (!inRange(word)) continue;
        if (seg[2] === undefined || (Number(seg[2]) + k) % 4 !== 0) fail(`table index ${word} unaligned or in a passive segment`);
        live.add(word - TABLE_BASE);
      }
      data.push({ i, offset: seg[2], name: seg[1] ?? "", bytes });
      return;
    }
    if (/^ \(data\b/.test(line)) fail(`unreadable data segment: ${line.slice(0, 80)}`);
    for (const m of line.matchAll(CONST)) {
      const n = Number(m[1]);
      if (!inRange(n)) continue;
      // The parent expression is the nearest line above that is indented less.
      const indent = line.search(/\S/);
      let p = i - 1;
      while (p >= 0 && lines[p].search(/\S/) >= indent) p--;
      if (p >= 0 && /^\s*\(i32\.(add|sub|mul|or|xor|and|shl|shr_u|shr_s)\b/.test(lines[p])) fail(`table index ${n} is an operand of arithmetic`);
      live.add(n - TABLE_BASE);
    }
  });
  return { lines, at, funcs, live, data };
}

export function rewrite(wat) {
  const { lines, at, funcs, live, data } = collect(wat);
  const kept = [...live].sort((a, b) => a - b);
  const index = new Map(kept.map((old, k) => [old, k + 1]));
  const renumber = (n) => index.get(n - TABLE_BASE);
  const inRange = (n) => n >= TABLE_BASE && n < TABLE_BASE + funcs.length;
  for (const seg of data) {
    for (let k = 0; k + 4 <= seg.bytes.length; k += 1) {
      const word = seg.bytes.readUInt32LE(k);
      if (inRange(word)) seg.bytes.writeUInt32LE(renumber(word), k);
    }
    lines[seg.i] = ` (data ${seg.name}(i32.const ${seg.offset}) "${encode(seg.bytes)}")`;
  }
  lines.forEach((line, i) => {
    if (i === at || data.some((d) => d.i === i)) return;
    if (/^ \(table \$0 /.test(line)) {
      lines[i] = line.replace(/^ \(table \$0 \d+ \d+ funcref\)$/, ` (table $0 ${kept.length + 1} ${kept.length + 1} funcref)`);
      if (lines[i] === line) fail(`unreadable table: ${line}`);
      return;
    }
    lines[i] = line.replace(CONST, (m, n) => (inRange(Number(n)) ? `(i32.const ${renumber(Number(n))})` : m));
  });
  const [, head, func] = /^( \(elem \$\S+ (?:\(table \$0\) )?)\(i32\.const \d+\) (func )?/.exec(lines[at]);
  lines[at] = `${head}(i32.const 1) ${func ?? ""}${kept.map((k) => funcs[k]).join(" ")})`;
  return { wat: lines.join("\n"), before: funcs.length, after: kept.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output] = process.argv.slice(2);
  const { wat, before, after } = rewrite(readFileSync(input, "utf8"));
  writeFileSync(output, wat);
  console.log(`wasm-table-gc: ${before} table entries, ${after} live`);
}
