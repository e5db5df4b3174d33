// Local stand-ins for the social providers, each following the provider's documentation rule
// by rule, issuing real RS256-signed tokens. The Worker reaches them through the provider
// endpoints of its configuration (nothing in Kith knows it is being tested).
//
// A test registers what the next authorization yields (`code({...})`), as if the user had
// signed in at the provider, then posts that code to Kith like the SDK would.
import http from "node:http";
import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign, verify, createPublicKey } from "node:crypto";

const b64u = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

function signer() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `standin-${randomUUID().slice(0, 8)}`;
  return {
    kid,
    jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] },
    jwt(claims, header = {}) {
      const input = `${b64u({ alg: "RS256", kid, typ: "JWT", ...header })}.${b64u(claims)}`;
      return `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    },
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

function send(res, status, body, type = "application/json") {
  res.writeHead(status, { "content-type": type });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** Client credentials from HTTP Basic (RFC 6749 2.3.1) or the body. */
function clientCredentials(req, form) {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], "base64").toString().split(":").map(decodeURIComponent);
    return { id, secret };
  }
  return { id: form.get("client_id"), secret: form.get("client_secret") };
}

/** The authorization page of each stand-in that has one (the browser tests visit it). */
const AUTHORIZE = { apple: "/auth/authorize", github: "/login/oauth/authorize" };

/**
 * Starts a stand-in. `kind`: google | apple | microsoft | github | facebook | okta.
 * `clientId`/`clientSecret`: the registered client; Apple: `teamId`, `keyId` and the team's
 * public key (`applePublicKey`) instead of a secret.
 *
 * Google also plays its OAuth 2.0 side for the provider-token vault ("Using OAuth 2.0 for Web
 * Server Applications"): access tokens live `accessTtl` seconds; a refresh token is issued
 * for `access_type=offline` (always for codes registered with `code()`); the
 * `refresh_token` grant answers a new access token (and, with `rotateRefresh`, a new refresh
 * token, the old one dying) until the test revokes the grant (`revoke(sub)`: then
 * `invalid_grant`); `scope` in token answers is what was granted: the requested scopes, plus
 * the ones granted before when `include_granted_scopes=true`. `/authorize` approves at once
 * as the account set with `signInAs(claims)` and redirects back with a code.
 *
 * `defaultLogin`: who signs in at the authorization page whenever no login is queued (the dev
 * stack's GitHub-like provider: `{identity: octocat}`), and `redirectUris`, when given, the only
 * redirect URIs it sends users to.
 */
export async function startStandin(kind, { clientId = "kith-client", clientSecret = "kith-secret", teamId, keyId, applePublicKey, formAnswers = false, accessTtl = 3600, rotateRefresh = true, defaultLogin, redirectUris } = {}) {
  const keys = signer();
  const codes = new Map(); // code -> { claims | identity, challenge, redirectUri, sub, scopes, includeGranted, offline }
  const accessTokens = new Map(); // GitHub/Facebook: token -> identity
  const seen = { token: 0, user: 0, emails: 0, me: 0, refresh: 0, agents: [], authorize: [] };
  const refreshTokens = new Map(); // Google: refresh token -> { sub, scopes }
  const granted = new Map(); // Google: sub -> scopes granted so far
  const issued = { access: [], refresh: [] }; // every token handed out (for secret scans)
  let account = null; // Google /authorize: who is signed in at the provider
  let refreshDown = false;
  const logins = []; // who signs in at the next authorization page (a browser test queues them)
  let origin;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const form = new URLSearchParams(req.method === "POST" ? await readBody(req) : "");
    try {
      if (url.pathname === "/jwks") return send(res, 200, keys.jwks);
      if (kind === "google" && url.pathname === "/authorize") return authorize(res, url.searchParams);
      if (req.method === "GET" && AUTHORIZE[kind] === url.pathname) return authorizePage(res, url.searchParams);
      if (url.pathname === "/.well-known/openid-configuration" && kind === "okta") {
        return send(res, 200, {
          issuer: origin, authorization_endpoint: `${origin}/oauth2/v1/authorize`, token_endpoint: `${origin}/oauth2/v1/token`,
          userinfo_endpoint: `${origin}/oauth2/v1/userinfo`, jwks_uri: `${origin}/jwks`,
          id_token_signing_alg_values_supported: ["RS256"], response_types_supported: ["code"], subject_types_supported: ["public"],
        });
      }
      if (["/token", "/oauth2/v1/token", "/login/oauth/access_token", "/oauth/access_token"].includes(url.pathname) && req.method === "POST") {
        seen.token++;
        return tokenEndpoint(req, res, form);
      }
      if (kind === "github" && (url.pathname === "/user" || url.pathname === "/user/emails")) {
        // GitHub's REST API refuses requests without a User-Agent (403).
        seen.agents.push(req.headers["user-agent"] ?? null);
        if (!req.headers["user-agent"]) return send(res, 403, { message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header" });
        const token = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const who = accessTokens.get(token);
        if (!who) return send(res, 401, { message: "Bad credentials" });
        if (url.pathname === "/user") {
          seen.user++;
          return send(res, 200, { login: who.login, id: who.id, name: who.name ?? null, email: who.publicEmail ?? null, avatar_url: "https://avatars.example/u.png" });
        }
        seen.emails++;
        return send(res, 200, who.emails);
      }
      if (kind === "facebook" && url.pathname === "/me") {
        seen.me++;
        // Graph takes the token as `Authorization: Bearer` (what Kith sends: never in a URL)
        // or as the `access_token` parameter.
        const bearer = /^(?:Bearer|OAuth) (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
        const token = bearer ?? url.searchParams.get("access_token");
        const who = accessTokens.get(token);
        if (!who) return send(res, 400, { error: { message: "Invalid OAuth access token.", type: "OAuthException", code: 190 } });
        // With "Require App Secret" on, every Graph call must carry a valid appsecret_proof.
        const proof = createHmac("sha256", clientSecret).update(token).digest("hex");
        if (url.searchParams.get("appsecret_proof") !== proof) {
          return send(res, 400, { error: { message: "Invalid appsecret_proof provided in the API argument", type: "GraphMethodException", code: 100 } });
        }
        const fields = (url.searchParams.get("fields") ?? "id").split(",");
        const out = {};
        for (const f of fields) {
          if (f === "picture") out.picture = { data: { url: "https://graph.example/pic.jpg", is_silhouette: false } };
          else if (who[f] !== undefined) out[f] = who[f];
        }
        return send(res, 200, out);
      }
      send(res, 404, { error: "not_found" });
    } catch (e) {
      send(res, 500, { error: "server_error", error_description: String(e) });
    }
  });

  function oauthError(res, status, error, description) {
    // GitHub answers token errors with HTTP 200, form-encoded unless JSON was asked for.
    if (kind === "github") {
      const body = { error, error_description: description, error_uri: "https://docs.github.com" };
      if (formAnswers || !String(res.req.headers.accept ?? "").includes("application/json")) {
        return send(res, 200, new URLSearchParams(body).toString(), "application/x-www-form-urlencoded");
      }
      return send(res, 200, body);
    }
    if (kind === "facebook") return send(res, 400, { error: { message: description, type: "OAuthException", code: 100 } });
    return send(res, status, { error, error_description: description });
  }

  /**
   * The provider's authorization page, as if the queued user had signed in and consented:
   * GitHub redirects back with `code` and `state` in the query; Apple (response_mode=form_post,
   * required when name or email is asked for) answers an HTML page that POSTs `code`, `state`
   * and, on a first login, the `user` JSON to the redirect_uri, from the stand-in's own origin.
   */
  function authorizePage(res, q) {
    const login = logins.shift() ?? defaultLogin;
    const redirectUri = q.get("redirect_uri");
    const fail = (why) => send(res, 400, `<!doctype html><title>Error</title><p id="error">${why}</p>`, "text/html");
    if (!login) return fail("no user is signed in at the stand-in");
    if (redirectUris && !redirectUris.includes(redirectUri)) return fail("The redirect_uri is not associated with this application.");
    if (q.get("client_id") !== clientId || q.get("response_type") !== "code" || !redirectUri) return fail("invalid_request");
    const scopes = (q.get("scope") ?? "").split(" ").filter(Boolean);
    if (kind === "apple" && scopes.some((s) => s === "name" || s === "email") && q.get("response_mode") !== "form_post") {
      return fail("response_mode must be form_post when requesting name or email scope");
    }
    const claims = login.claims && { ...login.claims, ...(q.get("nonce") ? { nonce: q.get("nonce") } : {}) };
    const code = api.code({ claims, identity: login.identity, challenge: q.get("code_challenge"), redirectUri });
    const fields = { code, state: q.get("state"), ...(login.user ? { user: JSON.stringify(login.user) } : {}) };
    if (kind !== "apple") {
      const to = new URL(redirectUri);
      for (const [k, v] of Object.entries(fields)) to.searchParams.set(k, v);
      res.writeHead(302, { location: to.href });
      return res.end();
    }
    const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join("");
    send(res, 200, `<!doctype html><title>Sign in with Apple</title><body onload="document.forms[0].submit()">`
      + `<form method="POST" action="${esc(redirectUri)}">${inputs}</form></body>`, "text/html");
  }

  function appleClientSecretValid(secret, id) {
    // Apple: an ES256 JWT with kid = the key id, iss = the team id, sub = the client id,
    // aud = https://appleid.apple.com, exp in the future (at most six months away).
    const parts = (secret ?? "").split(".");
    if (parts.length !== 3) return false;
    const header = JSON.parse(Buffer.from(parts[0], "base64url"));
    const claims = JSON.parse(Buffer.from(parts[1], "base64url"));
    const now = Math.floor(Date.now() / 1000);
    const okSig = verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), { key: createPublicKey(applePublicKey), dsaEncoding: "ieee-p1363" }, Buffer.from(parts[2], "base64url"));
    return okSig && header.alg === "ES256" && header.kid === keyId && claims.iss === teamId && claims.sub === id
      && claims.aud === "https://appleid.apple.com" && claims.exp > now && claims.exp - now <= 15777000;
  }

  async function tokenEndpoint(req, res, form) {
    const { id, secret } = clientCredentials(req, form);
    const clientOk = id === clientId && (kind === "apple" ? appleClientSecretValid(secret, id) : secret === clientSecret);
    if (!clientOk) return oauthError(res, 401, "invalid_client", "Client authentication failed.");
    if (kind === "google" && form.get("grant_type") === "refresh_token") return refreshGrant(res, form);
    if (kind !== "github" && kind !== "facebook" && form.get("grant_type") !== "authorization_code") {
      return oauthError(res, 400, "unsupported_grant_type", "grant_type must be authorization_code");
    }
    const code = form.get("code");
    const entry = codes.get(code);
    codes.delete(code); // codes are single-use
    if (!entry || entry.expires < Date.now()) return oauthError(res, 400, kind === "github" ? "bad_verification_code" : "invalid_grant", "The code passed is incorrect or expired.");
    if (form.get("redirect_uri") !== entry.redirectUri) return oauthError(res, 400, kind === "github" ? "redirect_uri_mismatch" : "invalid_grant", "redirect_uri mismatch");
    if (entry.challenge) {
      const got = createHash("sha256").update(form.get("code_verifier") ?? "").digest("base64url");
      if (got !== entry.challenge) return oauthError(res, 400, "invalid_grant", "PKCE verification failed");
    }
    const accessToken = randomBytes(20).toString("hex");
    if (entry.identity) accessTokens.set(accessToken, entry.identity);
    if (kind === "github") {
      const body = { access_token: accessToken, token_type: "bearer", scope: "read:user,user:email" };
      if (formAnswers || !String(req.headers.accept ?? "").includes("application/json")) {
        return send(res, 200, new URLSearchParams(body).toString(), "application/x-www-form-urlencoded");
      }
      return send(res, 200, body);
    }
    if (kind === "facebook") return send(res, 200, { access_token: accessToken, token_type: "bearer", expires_in: 5183944 });
    if (kind === "google") return send(res, 200, googleGrant(entry, accessToken));
    return send(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: 3600, id_token: entry.idToken, scope: "openid email profile" });
  }

  function newToken(list, prefix) {
    const t = `${prefix}${randomBytes(20).toString("hex")}`;
    list.push(t);
    return t;
  }

  /** Google's code answer: the granted scopes, a refresh token for offline access. */
  function googleGrant(entry, accessToken) {
    issued.access.push(accessToken);
    const before = entry.includeGranted ? granted.get(entry.sub) ?? [] : [];
    const scopes = [...new Set([...before, ...(entry.scopes ?? ["openid", "email", "profile"])])];
    granted.set(entry.sub, scopes);
    const body = { access_token: accessToken, token_type: "Bearer", expires_in: accessTtl, id_token: entry.idToken, scope: scopes.join(" ") };
    if (entry.offline !== false) {
      body.refresh_token = newToken(issued.refresh, "1//rt-");
      refreshTokens.set(body.refresh_token, { sub: entry.sub, scopes });
    }
    return body;
  }

  function refreshGrant(res, form) {
    seen.refresh++;
    if (refreshDown) return send(res, 503, { error: "backend_error", error_description: "try again later" });
    const old = form.get("refresh_token");
    const grant = refreshTokens.get(old);
    if (!grant) return oauthError(res, 400, "invalid_grant", "Token has been expired or revoked.");
    const body = { access_token: newToken(issued.access, "ya29.at-"), token_type: "Bearer", expires_in: accessTtl, scope: grant.scopes.join(" ") };
    if (rotateRefresh) {
      refreshTokens.delete(old);
      body.refresh_token = newToken(issued.refresh, "1//rt-");
      refreshTokens.set(body.refresh_token, grant);
    }
    return send(res, 200, body);
  }

  /** Google's consent screen, approved at once as `account`: back to redirect_uri with a code. */
  function authorize(res, q) {
    seen.authorize.push(Object.fromEntries(q));
    if (!account || q.get("client_id") !== clientId || q.get("response_type") !== "code") return send(res, 400, { error: "invalid_request" });
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: "https://accounts.google.com", aud: clientId, iat: now, exp: now + 3600, ...account, nonce: q.get("nonce") };
    const code = randomBytes(16).toString("hex");
    codes.set(code, {
      idToken: keys.jwt(claims), sub: claims.sub, challenge: q.get("code_challenge"), redirectUri: q.get("redirect_uri"),
      scopes: (q.get("scope") ?? "").split(" ").filter(Boolean), includeGranted: q.get("include_granted_scopes") === "true",
      offline: q.get("access_type") === "offline", expires: Date.now() + 600_000,
    });
    const back = new URL(q.get("redirect_uri"));
    back.searchParams.set("code", code);
    back.searchParams.set("state", q.get("state") ?? "");
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;

  const api = {
    origin,
    seen,
    /**
     * Queues who signs in at the next visit of the authorization page: OIDC `claims` (the
     * nonce is taken from the request) or a GitHub/Facebook `identity`; Apple's first-login
     * `user` (`{name: {firstName, lastName}, email}`).
     */
    signInNext(login) {
      logins.push(login);
    },
    /** Signs an id_token with this provider's key (claims are taken as given). */
    idToken: (claims, header) => keys.jwt(claims, header),
    /**
     * Registers an authorization: the code Kith will exchange. For OIDC providers pass the
     * id_token claims; for GitHub/Facebook the account (`identity`). `challenge`: the PKCE S256
     * challenge the client sent.
     */
    code({ claims, identity, challenge, redirectUri, scopes, includeGranted = false }) {
      const code = randomBytes(16).toString("hex");
      codes.set(code, { idToken: claims ? keys.jwt(claims) : undefined, sub: claims?.sub, identity, challenge, redirectUri, scopes, includeGranted, expires: Date.now() + 600_000 });
      return code;
    },
    /** Google: the account `/authorize` approves as (id_token claims; iss/aud/iat/exp/nonce are filled in). */
    signInAs(claims) {
      account = claims;
    },
    /** Google: the user removes the app's access: every refresh token of `sub` dies. */
    revoke(sub) {
      for (const [rt, g] of refreshTokens) if (g.sub === sub) refreshTokens.delete(rt);
    },
    /** Google: the refresh grant answers 503 while `down`. */
    setRefreshDown(down) {
      refreshDown = down;
    },
    /** Google: the lifetime of access tokens issued from now on. */
    setAccessTtl(seconds) {
      accessTtl = seconds;
    },
    issued,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return api;
}
