// A real OpenID Provider (npm `oidc-provider`, OpenID Certified) on 127.0.0.1, used by the
// local dev stack and by the tests. Accounts and clients are data; keys are generated per
// start (RS256 and ES256).
import http from "node:http";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import Provider from "oidc-provider";

/** Accounts of the dev/test OP. Two claim the same address, only one of them verified. */
export const ACCOUNTS = {
  alice: { email: "alice@example.com", email_verified: true, name: "Alice Example" },
  bob: { email: "bob@example.com", email_verified: true, name: "Bob Example" },
  "alice-unverified": { email: "alice@example.com", email_verified: false, name: "Not Alice" },
};

function signingKeys() {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return [
    { ...rsa, kid: `rsa-${randomUUID().slice(0, 8)}`, alg: "RS256", use: "sig" },
    { ...ec, kid: `ec-${randomUUID().slice(0, 8)}`, alg: "ES256", use: "sig" },
  ];
}

/**
 * Starts the OP. `clients` are oidc-provider client metadata. Resolves to
 * { issuer, port, provider, close() }.
 */
export async function startOp({ port = 0, clients, accounts = ACCOUNTS } = {}) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const actual = server.address().port;
  const issuer = `http://127.0.0.1:${actual}`;
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: signingKeys() },
    cookies: { keys: [randomUUID()] },
    // The id_token carries email claims (the default puts them only in userinfo).
    conformIdTokenClaims: false,
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    scopes: ["openid", "email", "profile", "offline_access"],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    enabledJWA: { idTokenSigningAlgValues: ["RS256", "ES256"] },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });
  // Quiet: interaction warnings are expected in a dev OP.
  provider.on("server_error", (_ctx, err) => console.error("[op] server_error", err));
  server.on("request", provider.callback());
  return {
    issuer,
    port: actual,
    provider,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Plays a user at the OP over plain HTTP (no browser): follows the authorization request
 * through the dev login and consent forms and returns the redirect back to the client as a
 * URL (with `code` and `state`). A cookie jar keeps the OP session.
 */
export async function authorizeAs(authUrl, login, { jar = new Map() } = {}) {
  let url = authUrl;
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const keep = (res) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  for (let hop = 0; hop < 20; hop++) {
    const op = new URL(authUrl).origin;
    if (!url.startsWith(op)) return new URL(url);
    let res = await fetch(url, { redirect: "manual", headers: { cookie: cookieHeader() } });
    keep(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location"), url).href;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`OP answered ${res.status} at ${url}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no interaction form at ${url}: ${html.slice(0, 300)}`);
    const form = new URLSearchParams({ prompt });
    if (prompt === "login") {
      form.set("login", login);
      form.set("password", "x");
    }
    res = await fetch(new URL(action, url), {
      method: "POST",
      redirect: "manual",
      headers: { cookie: cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    keep(res);
    if (res.status < 300 || res.status >= 400) throw new Error(`interaction POST answered ${res.status}`);
    url = new URL(res.headers.get("location"), url).href;
  }
  throw new Error("too many redirects at the OP");
}
