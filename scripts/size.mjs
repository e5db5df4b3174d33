// `npm run size`: what the browser downloads for the SDK (after `npm run build`, which runs
// wasm-opt -Oz), raw, gzip -9 and brotli -11, and the Worker bundle.
import { readFileSync, existsSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdk = ["pkg/index.js", "pkg/error.js", "pkg/wasm/kith_sdk.js", "pkg/wasm/kith_sdk_bg.wasm"];
const worker = ["edge-worker/build/index.js", "edge-worker/build/index_bg.wasm"];

function sizes(files) {
  const rows = files.map((f) => {
    const path = join(root, f);
    if (!existsSync(path)) throw new Error(`${f} is missing: run npm run build first`);
    const data = readFileSync(path);
    return {
      file: f,
      raw: data.length,
      gzip: gzipSync(data, { level: 9 }).length,
      brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
  rows.push(rows.reduce((t, r) => ({ file: "total", raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 }));
  return rows;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const [title, files] of [["SDK (kith-sdk npm package)", sdk], ["Worker bundle", worker]]) {
  console.log(`\n${title}`);
  console.log("| file | raw | gzip | brotli |\n|---|---|---|---|");
  for (const r of sizes(files)) console.log(`| ${r.file} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} |`);
}
