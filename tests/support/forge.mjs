// A minimal token issuer for attack and load tests: it serves a JWKS and signs id_tokens with
// whatever claims a test asks for (expired, wrong audience, unknown kid, ...), with real
// ES256 signatures. Tests use it through the id_token form of the sign-in.
import http from "node:http";
import { generateKeyPairSync, sign, randomUUID } from "node:crypto";

export async function startForge() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = `forge-${randomUUID().slice(0, 8)}`;
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" };
  let jwksHits = 0;
  const server = http.createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      // For peers that configure a provider by discovery (the Better Auth benchmark).
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({
        issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code", "id_token"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["ES256"],
      }));
    }
    if (req.url.startsWith("/jwks")) {
      jwksHits++;
      res.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=3600" });
      return res.end(JSON.stringify({ keys: [jwk] }));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
  return {
    issuer,
    get jwksHits() {
      return jwksHits;
    },
    /** Provider settings for the admin API. */
    provider(clientId, extra = {}) {
      return {
        client_id: clientId, issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`, ...extra,
      };
    },
    /** Signs an id_token: `claims` override the defaults, `header` overrides the header. */
    token({ aud, sub = "forged-user", nonce, claims = {}, header = {} }) {
      const now = Math.floor(Date.now() / 1000);
      const body = { iss: issuer, sub, aud, iat: now, exp: now + 300, jti: randomUUID(), ...(nonce ? { nonce } : {}), ...claims };
      const input = `${b64({ alg: "ES256", kid, typ: "JWT", ...header })}.${b64(body)}`;
      const sig = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
      return `${input}.${sig.toString("base64url")}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
