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
