// A small Worker (ES module) that imports kith-sdk/server as a user's Worker would: bundled by
// esbuild with the conditions wrangler uses, run in workerd through Miniflare. It answers
// POST {token, options} with {claims} or {error: {code, name, isKithError}}.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { join } from "node:path";
import { ROOT } from "./worker.mjs";

const SCRIPT = `
import { verifyAccessToken, isKithError } from "kith-sdk/server";
export default {
  async fetch(request) {
    const { token, options } = await request.json();
    if (options.currentDate) options.currentDate = new Date(options.currentDate);
    const runtime = { userAgent: navigator.userAgent, window: typeof window, document: typeof document, localStorage: typeof localStorage };
    try {
      return Response.json({ runtime, claims: await verifyAccessToken(token, options) });
    } catch (e) {
      return Response.json({ runtime, error: { code: e.code, name: e.name, isKithError: isKithError(e), message: e.message } });
    }
  },
};`;

/** Bundles the script; returns its code and the files esbuild read (the module graph). */
export async function bundleServerWorker() {
  const out = await build({
    stdin: { contents: SCRIPT, resolveDir: ROOT, loader: "js" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    alias: { "kith-sdk/server": join(ROOT, "pkg", "server.js") },
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  return { code: out.outputFiles[0].text, inputs: Object.keys(out.metafile.inputs) };
}

/** Starts the bundled Worker in workerd: { verify(token, options), close() }. */
export async function startServerWorker() {
  const { code } = await bundleServerWorker();
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path: join(ROOT, "target", "server-worker.mjs"), contents: code }],
    compatibilityDate: "2026-04-01",
  });
  await mf.ready;
  const verify = async (token, options) => {
    const res = await mf.dispatchFetch("http://server-worker.test/", { method: "POST", body: JSON.stringify({ token, options }) });
    return res.json();
  };
  return { verify, close: () => mf.dispose() };
}
