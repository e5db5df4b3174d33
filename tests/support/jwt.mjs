// Verifies a Kith access token against the Worker's published JWKS with WebCrypto, the way a
// resource server would.
export async function verifyAccessToken(token, jwksUrl) {
  const [h, p, s] = token.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url"));
  const { keys } = await (await fetch(jwksUrl)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk || header.alg !== "ES256") return null;
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const ok = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    Buffer.from(s, "base64url"),
    new TextEncoder().encode(`${h}.${p}`),
  );
  return ok ? JSON.parse(Buffer.from(p, "base64url")) : null;
}
