// SDK start-up in headless Chromium: time from `import("kith-sdk")` to a first call that
// needs the wasm (createNonce), in a fresh page each run, plus createClient alone, and (where
// the SDK has it) to INITIAL_SESSION: the session engine started, storage read.
// `node bench/startup.mjs [runs]` after `npm run build`. Prints min/median/max in ms.
import http from "node:http";
import { readFileSync, existsSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname, extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../tests/support/browser.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runs = Number(process.argv[2] ?? 7);
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
const server = http.createServer((req, res) => {
  const path = normalize(new URL(req.url, "http://x").pathname).replace(/^(\.\.[/\\])+/, "");
  const file = path === "/" ? null : join(root, "pkg", path);
  if (!file || !existsSync(file)) {
    res.writeHead(200, { "content-type": "text/html" });
    return res.end("<!doctype html><title>startup</title>");
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await launchBrowser();
const samples = { createClient: [], firstWasmCall: [], initialSession: [] };
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const t = await page.evaluate(async () => {
      const t0 = performance.now();
      const { createClient } = await import("/index.js");
      const kith = createClient({ baseUrl: "https://auth.example.com", projectId: "p" });
      const t1 = performance.now();
      await kith.createNonce(); // fetches, compiles and instantiates the wasm
      const t2 = performance.now();
      // Subscribed after the first call, so as not to change what it measures.
      const initial = kith.onAuthStateChange && new Promise((resolve) => kith.onAuthStateChange((event) => event === "INITIAL_SESSION" && resolve(performance.now())));
      const t3 = await Promise.race([initial, new Promise((r) => setTimeout(() => r(null), 2000))]);
      return { createClient: t1 - t0, firstWasmCall: t2 - t0, initialSession: t3 === null ? null : t3 - t0 };
    });
    samples.createClient.push(t.createClient);
    samples.firstWasmCall.push(t.firstWasmCall);
    if (t.initialSession !== null) samples.initialSession.push(t.initialSession);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
const stat = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return [s[0], s[Math.floor(s.length / 2)], s.at(-1)].map((x) => x.toFixed(1)).join(" / ");
};
console.log(`| SDK start-up in headless Chromium (${runs} fresh pages, loopback, no cache) | ms (min / median / max) |`);
console.log("|---|---|");
console.log(`| import + createClient | ${stat(samples.createClient)} |`);
console.log(`| import + createClient + first wasm call (fetch, compile, instantiate) | ${stat(samples.firstWasmCall)} |`);
if (samples.initialSession.length) console.log(`| import + createClient + INITIAL_SESSION (session engine started) | ${stat(samples.initialSession)} |`);
mkdirSync(join(root, "target"), { recursive: true });
writeFileSync(join(root, "target", "bench-startup.json"), JSON.stringify({ runs, samples_ms: samples }, null, 2));
