// kith-sdk: the JavaScript face of Kith's Rust/WebAssembly browser SDK.
//
// The wasm core (sdk-wasm/) makes and checks the one-time values of a redirect sign-in
// (PKCE S256, state, nonce: CSPRNG, single-use, 10 minutes in sessionStorage) and hands them
// back exactly once to the callback. This layer keeps the session in the storage the app chose, refreshes it ahead
// of expiry with exactly one tab doing so (Web Locks + BroadcastChannel), and tells the app
// about every change. Nothing touches `window` at import time (safe to import during SSR);
// the wasm module is fetched on the first call that needs it.
import init, * as core from "./wasm/kith_sdk.js";

let loading;
function load() {
  loading ??= init({ module_or_path: new URL("./wasm/kith_sdk_bg.wasm", import.meta.url) }).catch((e) => {
    loading = undefined;
    throw new KithError("network_error", `could not load the Kith SDK module: ${e?.message ?? e}`);
  });
  return loading;
}

/** An error from Kith: `code` is the server's error code or a client code. */
export class KithError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.name = "KithError";
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

function asKithError(e) {
  if (e instanceof KithError) return e;
  if (e && typeof e === "object" && typeof e.code === "string") return new KithError(e.code, e.message, e.status);
  return new KithError("network_error", String(e?.message ?? e));
}

async function wasm(fn) {
  try {
    await load();
    return await fn();
  } catch (e) {
    throw asKithError(e);
  }
}

/** Storage adapters: "local" (default), "session", "memory", or any {getItem, setItem, removeItem}. */
function storageAdapter(kind) {
  if (kind && typeof kind === "object") return kind;
  if (kind === "memory") {
    const map = new Map();
    return { getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, String(v)), removeItem: (k) => void map.delete(k) };
  }
  const name = kind === "session" ? "sessionStorage" : "localStorage";
  // Resolved on each use: nothing is touched at import or in createClient. Without the area
  // (server-side rendering) there is simply no session; a failing area throws.
  const area = () => globalThis[name];
  return {
    getItem: (k) => area()?.getItem(k) ?? null,
    setItem: (k, v) => {
      const s = area();
      if (!s) throw new Error(`${name} is not available`);
      s.setItem(k, v);
    },
    removeItem: (k) => area()?.removeItem(k),
  };
}

const EVENTS = ["SIGNED_IN", "TOKEN_REFRESHED", "SIGNED_OUT", "USER_UPDATED"];

/**
 * Creates a Kith client. Synchronous: methods load the wasm module on first use.
 * @param {import("./index.d.ts").ClientOptions} options
 */
export function createClient(options) {
  const { baseUrl, projectId, projectUserAuth = {} } = options ?? {};
  if (typeof baseUrl !== "string" || !/^https?:\/\//.test(baseUrl)) {
    throw new KithError("invalid_request", "createClient: baseUrl must be an http(s) URL");
  }
  if (typeof projectId !== "string" || projectId.length === 0) {
    throw new KithError("invalid_request", "createClient: projectId is required");
  }
  const base = baseUrl.replace(/\/+$/, "");
  const autoRefresh = projectUserAuth.autoRefresh !== false;
  const storage = storageAdapter(projectUserAuth.storage ?? "local");
  const margin = projectUserAuth.refreshMarginSeconds;
  const sessionKey = `kith.session.${projectId}`;
  const listeners = new Set();
  let memory; // the latest session this tab knows (undefined: not read yet)
  let timer;
  let channel;

  function read() {
    let text;
    try {
      text = storage.getItem(sessionKey);
    } catch {
      throw new KithError("storage_unavailable", "the session storage is unavailable");
    }
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  function current() {
    if (memory === undefined) memory = read();
    return memory;
  }

  function emit(event, session) {
    for (const cb of [...listeners]) {
      try {
        cb(event, session);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  function bus() {
    if (channel === undefined && typeof BroadcastChannel === "function") {
      channel = new BroadcastChannel(`kith.${projectId}`);
      channel.onmessage = ({ data }) => {
        if (!data || !EVENTS.includes(data.event)) return;
        memory = data.session ?? null;
        schedule();
        emit(data.event, memory);
      };
    }
    return channel;
  }

  /** Stores `session` (stamped with the local receipt time), tells this tab and the others. */
  function save(event, session) {
    const stamped = session ? { ...session, received_at: session.received_at ?? Date.now() } : null;
    try {
      if (stamped) storage.setItem(sessionKey, JSON.stringify(stamped));
      else storage.removeItem(sessionKey);
    } catch {
      throw new KithError("storage_unavailable", "the session could not be stored");
    }
    memory = stamped;
    schedule();
    emit(event, stamped);
    bus()?.postMessage({ event, session: stamped });
    return stamped;
  }

  async function call(method, path, { body, bearer } = {}) {
    let res;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          "project-id": projectId,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new KithError("network_error", e?.message ?? "the Kith Worker could not be reached");
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // handled below
    }
    if (!res.ok) {
      if (json && typeof json.error === "string") {
        const err = new KithError(json.error, json.error_description, res.status);
        if (json.verification_token) err.verification_token = json.verification_token;
        throw err;
      }
      throw new KithError("network_error", `unexpected HTTP ${res.status} from the Kith Worker`, res.status);
    }
    return json;
  }

  function bearer() {
    const s = current();
    if (!s) throw new KithError("invalid_token", "not signed in");
    return s.access_token;
  }

  // ---- refresh, one tab at a time ---------------------------------------------------------

  /** When to refresh: ahead of expiry, from the server's expires_in and the local receipt time. */
  function dueIn(session) {
    const life = Number(session.expires_in) || 0;
    const ahead = margin ?? Math.min(60, life / 4);
    return session.received_at + Math.max(0, life - ahead) * 1000 - Date.now();
  }

  function schedule() {
    clearTimeout(timer);
    timer = undefined;
    const s = memory;
    if (!autoRefresh || !s || typeof window === "undefined") return;
    timer = setTimeout(onDue, Math.max(0, Math.min(dueIn(s), 2 ** 31 - 1)));
  }

  async function onDue() {
    // Paused while offline or hidden; resumed by the online/visibilitychange listeners.
    if (globalThis.navigator?.onLine === false || globalThis.document?.visibilityState === "hidden") return;
    try {
      await refresh({ onlyIfDue: true });
    } catch (e) {
      if (e.code === "invalid_refresh_token" || e.code === "invalid_token") save("SIGNED_OUT", null);
      else timer = setTimeout(onDue, 5000); // transient: retry
    }
  }

  async function withLock(fn) {
    const locks = globalThis.navigator?.locks;
    if (!locks) return fn(); // no Web Locks: the server's refresh grace keeps racing tabs consistent
    // ifAvailable: a tab that finds another refreshing waits for its broadcast instead.
    // A holder that hangs is abandoned after 10 s (the lock is freed when its tab dies anyway).
    return locks.request(`kith.refresh.${projectId}`, { ifAvailable: true }, async (lock) => {
      if (!lock) return null;
      return Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new KithError("network_error", "refresh timed out")), 10_000))]);
    });
  }

  async function refresh({ onlyIfDue = false } = {}) {
    const before = current();
    if (!before) throw new KithError("invalid_refresh_token", "not signed in");
    const result = await withLock(async () => {
      // Another tab may have refreshed just before: trust its broadcast, then storage.
      const latest = memory ?? read();
      if (latest && latest.refresh_token !== before.refresh_token) return latest;
      if (onlyIfDue && latest && dueIn(latest) > 1000) return latest;
      const session = await call("POST", "/api/auth/refresh", { body: { refresh_token: before.refresh_token } });
      return save("TOKEN_REFRESHED", session);
    });
    return result ?? current();
  }

  let listening = false;
  function listen() {
    if (listening || typeof window === "undefined") return;
    listening = true;
    bus();
    window.addEventListener("storage", (e) => {
      // Fallback path for tabs without BroadcastChannel.
      if (e.key !== sessionKey || channel) return;
      memory = read();
      schedule();
      emit(memory ? "TOKEN_REFRESHED" : "SIGNED_OUT", memory);
    });
    window.addEventListener("online", () => schedule());
    globalThis.document?.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") schedule();
    });
    current();
    schedule();
  }

  return {
    /** Signs in with a provider's id_token (Google One Tap, Sign in with Apple JS, native). */
    async signInWithSocial({ provider, id_token, nonce } = {}) {
      if (typeof provider !== "string" || typeof id_token !== "string") {
        throw new KithError("invalid_request", "signInWithSocial: provider and id_token are required");
      }
      listen();
      const session = await call("POST", "/api/auth/login/social", { body: { provider, id_token, ...(nonce ? { nonce } : {}) } });
      return save("SIGNED_IN", session);
    },
    /** Starts a redirect sign-in (PKCE S256 + state + nonce) and navigates to the provider. */
    async signInWithRedirect({ provider, redirectUri, scopes } = {}) {
      if (typeof provider !== "string" || typeof redirectUri !== "string") {
        throw new KithError("invalid_request", "signInWithRedirect: provider and redirectUri are required");
      }
      const { providers = [] } = (await call("GET", "/api/auth/providers")) ?? {};
      const p = providers.find((x) => x.provider === provider);
      if (!p) throw new KithError("provider_not_enabled", `the provider "${provider}" is not enabled`);
      const url = await wasm(() =>
        core.beginRedirect(projectId, provider, p.client_id, p.authorization_endpoint, scopes?.length ? scopes : p.scopes, redirectUri),
      );
      window.location.assign(url);
    },
    /** On the redirect page: checks state, signs in with the code, stores and returns the session. */
    async handleRedirectCallback() {
      listen();
      const url = new URL(window.location.href);
      const q = url.searchParams;
      const [state, code, error] = [q.get("state") ?? "", q.get("code"), q.get("error")];
      const description = q.get("error_description") ?? "";
      // The sign-in is consumed first, whatever the outcome: a callback is good for one try.
      const taken = wasm(() => core.takeRedirect(projectId, state));
      // Remove the one-time parameters from the address bar and history.
      for (const k of ["code", "state", "iss", "session_state", "error", "error_description", "error_uri"]) q.delete(k);
      window.history.replaceState(window.history.state, "", url.href);
      const flow = await taken;
      if (error) throw new KithError(error, description);
      if (!code) throw new KithError("invalid_request", "the callback URL carries no code");
      if (!flow.code_verifier) throw new KithError("missing_code_verifier", "the stored sign-in has no PKCE verifier");
      const session = await call("POST", "/api/auth/login/social", {
        body: { provider: flow.provider, code, code_verifier: flow.code_verifier, redirect_uri: flow.redirect_uri, nonce: flow.nonce },
      });
      return save("SIGNED_IN", session);
    },
    /** The stored session, or null. */
    getSession() {
      listen();
      return current();
    },
    /** Refreshes now (one tab at a time); resolves to the new session. */
    refreshSession() {
      listen();
      return refresh().catch((e) => {
        if (e.code === "invalid_refresh_token") save("SIGNED_OUT", null);
        throw asKithError(e);
      });
    },
    /** Signs out here and in every tab; `scope: "global"` ends every session of the user. */
    async signOut({ scope = "local" } = {}) {
      if (scope !== "local" && scope !== "global") throw new KithError("invalid_request", "scope must be \"local\" or \"global\"");
      const s = current();
      try {
        if (s) await call("POST", "/api/auth/logout", { body: { scope }, bearer: s.access_token });
      } catch (e) {
        // An already invalid session is signed out all the same.
        if (!["invalid_token", "invalid_refresh_token"].includes(e.code)) throw e;
      }
      save("SIGNED_OUT", null);
    },
    /** Calls `callback(event, session)` on SIGNED_IN, TOKEN_REFRESHED, SIGNED_OUT, USER_UPDATED. Returns an unsubscribe. */
    onAuthStateChange(callback) {
      if (typeof callback !== "function") throw new KithError("invalid_request", "onAuthStateChange needs a function");
      listen();
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    /** The signed-in user, fresh from the Worker. */
    async getUser() {
      const user = await call("GET", "/api/auth/user", { bearer: bearer() });
      const s = current();
      if (s && JSON.stringify(s.user) !== JSON.stringify(user)) save("USER_UPDATED", { ...s, user });
      return user;
    },
    /** Links another provider account to the signed-in user (id_token form). */
    async linkIdentity({ provider, id_token, nonce } = {}) {
      const user = await call("POST", "/api/auth/identities", { body: { provider, id_token, ...(nonce ? { nonce } : {}) }, bearer: bearer() });
      const s = current();
      if (s) save("USER_UPDATED", { ...s, user });
      return user;
    },
    /** Unlinks a provider from the signed-in user. */
    async unlinkIdentity({ provider } = {}) {
      const user = await call("DELETE", `/api/auth/identities/${encodeURIComponent(provider)}`, { bearer: bearer() });
      const s = current();
      if (s) save("USER_UPDATED", { ...s, user });
      return user;
    },
    /** The provider's own access token for the signed-in user. */
    getProviderToken({ provider } = {}) {
      return call("GET", `/api/auth/identities/${encodeURIComponent(provider)}/token`, { bearer: bearer() });
    },
    /** Completes an email verification with the code the user received. */
    async verifyEmail({ verification_token, code } = {}) {
      const session = await call("POST", "/api/auth/verify-email", { body: { verification_token, code } });
      return save("SIGNED_IN", session);
    },
    /** `{nonce, hashedNonce}` for One Tap / Sign in with Apple JS: give the provider `hashedNonce` (or `nonce`), send `nonce` to Kith. */
    createNonce() {
      return wasm(() => core.createNonce());
    },
  };
}
