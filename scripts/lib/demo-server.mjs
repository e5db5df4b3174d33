// The demo page's little server (`npm run dev`): the page, its config, the packed SDK from
// pkg/, and `/flow/start`, which asks the Worker to start a server-driven sign-in as an app's
// backend would (`start` is a server call: the Worker opens no CORS for it).
import http from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { join, extname, normalize } from "node:path";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json", ".ts": "text/plain" };
/** The demo's own files, by URL path (nothing else under demo/ or the repository is served). */
const PAGES = { "/": "index.html", "/flow": "index.html", "/demo.js": "demo.js", "/demo.css": "demo.css", "/flow.js": "flow.js", "/onetap.html": "onetap.html", "/onetap.js": "onetap.js" };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function send(res, status, body, type = "application/json") {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

/** `GET /flow/start?project=&provider=&code_challenge=&state=`: the Worker's `start`, relayed. */
async function startFlow(url, config, res) {
  const q = url.searchParams;
  const project = q.get("project") ?? "";
  if (!UUID.test(project)) return send(res, 400, { error: "invalid_request", error_description: "project must be a project id" });
  const start = new URL(`${config.baseUrl}/oauth/projects/${project}/providers/${encodeURIComponent(q.get("provider") ?? "")}/start`);
  start.search = new URLSearchParams({
    redirect_to: config.flowRedirect,
    code_challenge: q.get("code_challenge") ?? "",
    code_challenge_method: "S256",
    state: q.get("state") ?? "",
  }).toString();
  try {
    const answer = await fetch(start);
    send(res, answer.status, await answer.text());
  } catch (e) {
    send(res, 503, { error: "worker_unreachable", error_description: String(e.message ?? e) });
  }
}

/** The demo server for `config` (what `/config.json` answers); `root` is the repository. */
export function serveDemo(root, config) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const path = url.pathname;
    if (path === "/config.json") return send(res, 200, config);
    if (path === "/flow/start") return startFlow(url, config, res);
    const file = PAGES[path] ? join(root, "demo", PAGES[path])
      : path.startsWith("/pkg/") ? join(root, normalize(path).replace(/^(\.\.[/\\])+/, ""))
      : null;
    if (!file || (!PAGES[path] && !file.startsWith(join(root, "pkg"))) || !existsSync(file)) {
      return send(res, 404, "not found", "text/plain");
    }
    send(res, 200, readFileSync(file), TYPES[extname(file)] ?? "application/octet-stream");
  });
}
