// kith-sdk/server: verifies Kith access tokens in any backend (Node >= 20, Workers, Deno, Bun).
//
// No DOM global and no wasm: this file imports only `jose` (panva, WebCrypto) and the shared
// error class. The rules are the Worker's own (CONTRACT "Keys and discovery"):
// - keys from `issuer/.well-known/jwks.json`, cached per issuer for the JWKS's Cache-Control
//   max-age (60 s to 24 h, 10 min without one);
// - a token whose `kid` the cached set lacks (key rotation) refetches the set at most once per
//   cooldown (30 s), the cooldown counted from the last such refetch, so a rotation is seen
//   at once and random `kid`s cannot make a backend hammer the Worker; concurrent requests
//   share the fetch in flight (the Rust rule, `kith_claims::jose::jwks_cache::decide`);
// - ES256 only (the header names the algorithm, it never chooses it); `iss` exact, `aud` the
//   project id, `exp`/`iat` with a small bounded skew;
// - `checkRevoked` asks `POST /api/auth/session/check` and remembers the answer per session
//   for a few seconds.
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { KithError, isKithError } from "./error.js";

export { KithError, isKithError };

/** Minimum time between two refetches of one key set for an unknown `kid`, ms. */
const REFETCH_COOLDOWN_MS = 30_000;
/** Key set lifetime bounds and default (seconds), as the Worker's own JWKS cache. */
const MIN_TTL = 60;
const MAX_TTL = 24 * 3600;
const DEFAULT_TTL = 600;
/** Allowed clock skew: default and cap, seconds. */
const DEFAULT_TOLERANCE = 5;
const MAX_TOLERANCE = 60;
const FETCH_TIMEOUT_MS = 5_000;
/** How long a session check's answer is reused, ms, and how many answers are kept. */
const REVOCATION_CACHE_MS = 5_000;
const MAX_REVOCATION_ENTRIES = 10_000;
/** Longest token looked at (the Rust core's limit). */
const MAX_TOKEN_LEN = 16 * 1024;
/** Header parameters Kith never sends and refuses (RFC 8725 section 3.10: embedded keys). */
const FORBIDDEN_HEADER = ["jwk", "jku", "x5u", "x5c", "crit", "b64"];

const invalid = (message) => new KithError("invalid_token", message, 401);
const badOption = (message) => new KithError("invalid_request", `verifyAccessToken: ${message}`);

/** https anywhere, plain http only on loopback (the SDK's rule); no userinfo, query or fragment. */
function secureIssuer(issuer) {
  let url;
  try {
    url = new URL(issuer);
  } catch {
    return false;
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  const scheme = url.protocol === "https:" || (url.protocol === "http:" && loopback);
  return scheme && !url.username && !url.password && !url.search && !url.hash && !/[\s\\]/.test(issuer);
}

function readOptions(options) {
  const { issuer, projectId, checkRevoked = false, clockTolerance = DEFAULT_TOLERANCE, currentDate, fetch: fetchImpl } = options ?? {};
  if (typeof issuer !== "string" || !secureIssuer(issuer)) throw badOption("issuer must be the Kith Worker's https URL (http only on localhost)");
  if (typeof projectId !== "string" || !projectId) throw badOption("projectId is required");
  if (typeof checkRevoked !== "boolean") throw badOption("checkRevoked must be a boolean");
  if (typeof clockTolerance !== "number" || !(clockTolerance >= 0 && clockTolerance <= MAX_TOLERANCE)) {
    throw badOption(`clockTolerance must be 0-${MAX_TOLERANCE} seconds`);
  }
  if (currentDate !== undefined && !(currentDate instanceof Date && Number.isFinite(currentDate.getTime()))) throw badOption("currentDate must be a Date");
  if (fetchImpl !== undefined && typeof fetchImpl !== "function") throw badOption("fetch must be a function");
  const base = issuer.replace(/\/+$/, "");
  return { issuer, base, projectId, checkRevoked, clockTolerance, currentDate, fetch: fetchImpl ?? ((...a) => globalThis.fetch(...a)) };
}

// Workers: a promise started in another request's I/O context cannot be awaited in this one,
// so there each request fetches on its own (as jose's remote key set does).
const onWorkers = () => typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";

/** Per issuer: the key set, when it goes stale, the last unknown-kid refetch, the fetch in flight. */
const keySets = new Map();

function keySetOf(base) {
  let state = keySets.get(base);
  if (!state) keySets.set(base, (state = { local: null, expiresAt: 0, refetchedAt: -Infinity, inflight: null }));
  return state;
}

function ttlOf(cacheControl) {
  if (!cacheControl) return DEFAULT_TTL;
  if (/(?:^|,)\s*no-(?:store|cache)\s*(?:,|$)/i.test(cacheControl)) return MIN_TTL;
  const m = /(?:^|,)\s*max-age="?(\d+)"?/i.exec(cacheControl);
  return m ? Math.min(MAX_TTL, Math.max(MIN_TTL, Number(m[1]))) : DEFAULT_TTL;
}

async function fetchKeySet(o) {
  const url = `${o.base}/.well-known/jwks.json`;
  let res, json;
  try {
    res = await o.fetch(url, { headers: { accept: "application/json" }, redirect: "manual", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    json = res.status === 200 ? await res.json() : undefined;
  } catch (e) {
    throw new KithError("jwks_unavailable", `could not fetch ${url}: ${e?.message ?? e}`, 503);
  }
  if (res.status !== 200) throw new KithError("jwks_unavailable", `${url} answered ${res.status}`, 503);
  try {
    return { local: createLocalJWKSet(json), ttl: ttlOf(res.headers.get("cache-control")) };
  } catch (e) {
    throw new KithError("jwks_unavailable", `${url} is not a key set: ${e?.message ?? e}`, 503);
  }
}

/** Fetches the issuer's key set (or joins the fetch in flight). A failure keeps the keys held. */
function load(state, o) {
  if (state.inflight && !onWorkers()) return state.inflight;
  const run = fetchKeySet(o).then(
    ({ local, ttl }) => {
      state.local = local;
      state.expiresAt = Date.now() + ttl * 1000;
    },
    (e) => {
      // Keys still held keep working while the Worker is unreachable; retried after a cooldown.
      if (state.local) state.expiresAt = Date.now() + REFETCH_COOLDOWN_MS;
      throw e;
    },
  );
  const shared = run.finally(() => {
    if (state.inflight === shared) state.inflight = null;
  });
  state.inflight = shared;
  return shared;
}

function translate(e) {
  if (isKithError(e)) return e;
  if (e instanceof errors.JWTExpired) return new KithError("token_expired", "the access token has expired", 401);
  if (e instanceof errors.JWKSNoMatchingKey) return invalid("no key of the issuer's key set matches the token (unknown kid)");
  if (e instanceof errors.JWTClaimValidationFailed) return invalid(`claim "${e.claim}" refused: ${e.message}`);
  if (e instanceof errors.JOSEError) return invalid(`${e.code}: ${e.message}`);
  return invalid(`the token could not be verified: ${e?.message ?? e}`);
}

async function check(token, local, o) {
  try {
    const { payload } = await jwtVerify(token, local, {
      algorithms: ["ES256"],
      issuer: o.issuer,
      audience: o.projectId,
      clockTolerance: o.clockTolerance,
      requiredClaims: ["iss", "aud", "sub", "sid", "iat", "exp"],
      ...(o.currentDate ? { currentDate: o.currentDate } : {}),
    });
    return payload;
  } catch (e) {
    if (e instanceof errors.JWKSNoMatchingKey) throw e;
    throw translate(e);
  }
}

/** Verifies the signature and claims with the cached keys, refetching once for an unknown kid. */
async function verifiedPayload(token, o) {
  const state = keySetOf(o.base);
  if (!state.local || Date.now() >= state.expiresAt) {
    await load(state, o).catch((e) => {
      if (!state.local) throw e;
    });
  }
  try {
    return await check(token, state.local, o);
  } catch (e) {
    if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
    const joining = state.inflight && !onWorkers();
    if (!joining) {
      if (Date.now() - state.refetchedAt < REFETCH_COOLDOWN_MS) throw translate(e);
      state.refetchedAt = Date.now();
    }
    await load(state, o);
    return check(token, state.local, o).catch((again) => Promise.reject(translate(again)));
  }
}

const strings = (v) => Array.isArray(v) && v.every((s) => typeof s === "string");

/** The typed claims, each checked for its type before use (Kith's access token, CONTRACT). */
function claimsOf(p, o) {
  const bad = (name) => invalid(`claim "${name}" is missing or has the wrong type`);
  if (p.aud !== o.projectId) throw bad("aud");
  // jose checks exp (and nbf); a token issued in the future is refused here, as the Rust core does.
  const now = Math.floor((o.currentDate ?? new Date()).getTime() / 1000);
  if (!Number.isFinite(p.iat) || p.iat > now + o.clockTolerance) throw invalid('claim "iat" is in the future');
  for (const name of ["sub", "sid"]) if (typeof p[name] !== "string" || !p[name]) throw bad(name);
  if (p.email !== undefined && p.email !== null && typeof p.email !== "string") throw bad("email");
  if (typeof p.email_verified !== "boolean") throw bad("email_verified");
  for (const name of ["roles", "permissions", "amr"]) if (!strings(p[name])) throw bad(name);
  const { iss, aud, sub, sid, iat, exp, email, email_verified, roles, permissions, amr } = p;
  return Object.freeze({ iss, aud, sub, sid, iat, exp, email: email ?? null, email_verified, roles, permissions, amr });
}

/** Per (issuer, project, sid): whether the session was live, and until when that answer holds. */
const revocations = new Map();

function remember(key, active) {
  revocations.delete(key);
  revocations.set(key, { active, until: Date.now() + REVOCATION_CACHE_MS });
  for (const old of revocations.keys()) {
    if (revocations.size <= MAX_REVOCATION_ENTRIES) break;
    revocations.delete(old);
  }
}

async function sessionActive(o, sid) {
  const key = `${o.base}\n${o.projectId}\n${sid}`;
  const hit = revocations.get(key);
  if (hit && hit.until > Date.now()) return hit.active;
  const url = `${o.base}/api/auth/session/check`;
  let res, body;
  try {
    res = await o.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "project-id": o.projectId },
      body: JSON.stringify({ sid }),
      redirect: "manual",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    body = await res.json().catch(() => null);
  } catch (e) {
    throw new KithError("network_error", `could not reach ${url}: ${e?.message ?? e}`);
  }
  if (!res.ok) {
    const code = typeof body?.error === "string" ? body.error : "network_error";
    throw new KithError(code, body?.error_description ?? `${url} answered ${res.status}`, res.status);
  }
  if (typeof body?.active !== "boolean") throw new KithError("network_error", `${url} answered no "active"`);
  remember(key, body.active);
  return body.active;
}

/**
 * Verifies a Kith access token and returns its claims.
 * @param {string} token
 * @param {import("./server.d.ts").VerifyOptions} options
 * @returns {Promise<import("./server.d.ts").AccessClaims>}
 */
export async function verifyAccessToken(token, options) {
  const o = readOptions(options);
  if (typeof token !== "string" || !token || token.length > MAX_TOKEN_LEN) throw invalid("no access token, or an oversized one");
  let header;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw invalid("the access token is not a compact JWS");
  }
  if (header.alg !== "ES256") throw invalid(`alg "${header.alg}" is refused: Kith signs with ES256 only`);
  // The same rule as kith-claims' access_token: no typ, or JWT (any case).
  if (header.typ !== undefined && String(header.typ).toUpperCase() !== "JWT") throw invalid(`typ "${header.typ}" is not an access token type`);
  const embedded = FORBIDDEN_HEADER.find((name) => name in header);
  if (embedded) throw invalid(`the header parameter "${embedded}" is refused`);
  const claims = claimsOf(await verifiedPayload(token, o), o);
  if (o.checkRevoked && !(await sessionActive(o, claims.sid))) {
    throw new KithError("session_revoked", "the session was signed out or revoked", 401);
  }
  return claims;
}
