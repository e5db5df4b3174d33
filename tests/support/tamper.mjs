// A man-in-the-middle token endpoint for tests: forwards the code exchange to the real OP,
// then lets a test rewrite the id_token before Kith sees it (tampered signature, a real
// token for another audience, ...). Everything else about the exchange stays real.
import http from "node:http";

export async function startTamperingTokenEndpoint(realTokenEndpoint) {
  let rewrite = (idToken) => idToken;
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const upstream = await fetch(realTokenEndpoint, {
      method: "POST",
      headers: { "content-type": req.headers["content-type"], authorization: req.headers.authorization ?? "" },
      body: Buffer.concat(chunks),
    });
    const body = await upstream.json();
    if (body.id_token) body.id_token = await rewrite(body.id_token);
    res.writeHead(upstream.status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/token`,
    set(fn) {
      rewrite = fn;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A provider's JWKS endpoint that a test can take down: forwards GET to the real OP's JWKS
 * (with the given Cache-Control) while `up`, refuses with 503 while down, and counts every
 * request it receives.
 */
export async function startJwksProxy(realJwksUrl, { cacheControl = "public, max-age=3600" } = {}) {
  let up = true;
  let hits = 0;
  const server = http.createServer(async (req, res) => {
    hits++;
    if (!up) {
      res.writeHead(503, { "content-type": "text/plain" });
      return res.end("down");
    }
    const upstream = await fetch(realJwksUrl);
    res.writeHead(upstream.status, { "content-type": "application/json", "cache-control": cacheControl });
    res.end(await upstream.text());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    /** A distinct URL per name, so each test has its own cache entry in the Worker. */
    url: (name) => `${base}/${name}/jwks`,
    get hits() {
      return hits;
    },
    setUp(value) {
      up = value;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
