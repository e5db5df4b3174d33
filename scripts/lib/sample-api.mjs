// A sample backend of the demo app, written as a user of kith-sdk would write one: it trusts
// Kith sessions through the package's server entry (`kith-sdk/server`), nothing else.
//   GET /api/me   Authorization: Bearer <Kith access token>
//   → 200 {"message": "your API saw user <sub> (<email>)", "claims": {...}}
//   → 401/503 {"error": "<KithError code>", "error_description"} when the token is not believed
// CORS: only the demo origin (exact match), preflight answered. `npm run dev` starts it on
// KITH_API_PORT (5174); the tests start it on a free port.
import http from "node:http";
import { verifyAccessToken, isKithError } from "../../pkg/server.js";

const STATUS = { invalid_request: 400, jwks_unavailable: 503, network_error: 503 };

function send(res, status, body, cors) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...cors });
  res.end(JSON.stringify(body));
}

/** The route: verifies the bearer token (and that its session is live) and says who it is. */
async function me(req, options) {
  const match = /^Bearer ([^\s]+)$/i.exec(req.headers.authorization ?? "");
  if (!match) return [401, { error: "invalid_token", error_description: "send Authorization: Bearer <access token>" }];
  try {
    const claims = await verifyAccessToken(match[1], options);
    return [200, { message: `your API saw user ${claims.sub} (${claims.email ?? "no email"})`, claims }];
  } catch (e) {
    if (!isKithError(e)) throw e;
    return [STATUS[e.code] ?? e.status ?? 401, { error: e.code, error_description: e.message }];
  }
}

/**
 * The sample API's server (not listening yet). `issuer` is the Kith Worker's URL, `projectId`
 * the demo project, `allowedOrigin` the one page that may call it from a browser.
 */
export function createSampleApi({ issuer, projectId, allowedOrigin, checkRevoked = true }) {
  const options = { issuer, projectId, checkRevoked };
  return http.createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const cors = req.headers.origin === allowedOrigin ? { "access-control-allow-origin": allowedOrigin, vary: "origin" } : { vary: "origin" };
    if (req.method === "OPTIONS" && path === "/api/me") {
      const allowed = cors["access-control-allow-origin"]
        ? { ...cors, "access-control-allow-methods": "GET", "access-control-allow-headers": "authorization", "access-control-max-age": "600" }
        : cors;
      res.writeHead(204, allowed);
      return res.end();
    }
    if (path !== "/api/me") return send(res, 404, { error: "not_found", error_description: "the sample API has GET /api/me" }, cors);
    if (req.method !== "GET") return send(res, 405, { error: "method_not_allowed", error_description: "GET /api/me" }, cors);
    try {
      const [status, body] = await me(req, options);
      send(res, status, body, cors);
    } catch (e) {
      send(res, 500, { error: "server_error", error_description: String(e?.message ?? e) }, cors);
    }
  });
}

/** Starts the sample API on `host:port` (0: any free port): { url, close() }. */
export async function startSampleApi({ port = 5174, host = "127.0.0.1", ...config }) {
  const server = createSampleApi(config);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}/api/me`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { url, close };
}
