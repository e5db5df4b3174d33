// kith-sdk: the JavaScript face of Kith's browser SDK.
//
// The engine (session machine, storage, HTTP, refresh across tabs, redirect flows) is the Rust
// core in ./wasm (built from sdk-wasm/). This file creates it lazily, turns its errors into
// KithError and hands its events to subscribers. Importing it touches no browser global (safe
// during server-side rendering); the wasm module is fetched when a client is created in a
// browser, or on the first call.
import { initSync, Client, createNonce } from "./wasm/kith_sdk.js";
import { KithError, isKithError } from "./error.js";

export { KithError, isKithError };

// Compiled here and instantiated by the glue's initSync: a bundle leaves out the glue's own
// loader (its fallbacks and warnings, ~0.3 KB gzip).
let loading;
const load = () =>
  (loading ??= fetch(new URL("./wasm/kith_sdk_bg.wasm", import.meta.url))
    .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((bytes) => WebAssembly.compile(bytes))
    .then((module) => void initSync({ module }))
    .catch((e) => {
      loading = undefined;
      throw new KithError("network_error", `could not load the Kith SDK module: ${e?.message ?? e}`);
    }));

function toKithError(e) {
  if (isKithError(e)) return e;
  const err = new KithError(typeof e?.code === "string" ? e.code : "network_error", e?.message ?? String(e), e?.status);
  if (e?.verification_token) err.verification_token = e.verification_token;
  if (e?.email_hint) err.email_hint = e.email_hint;
  return err;
}

// https anywhere, plain http only on loopback: the Rust core applies the same rule again.
const SECURE = /^(?:https:\/\/(?:[^\x00-\x20\x7f\\/?#@:[\]]+|\[[^\x00-\x20\x7f\\/?#@\]]*\])|http:\/\/(?:localhost|127\.0\.0\.1|\[::1\]))(?::\d{1,5})?(?:[/?#][^\x00-\x20\x7f\\]*)?$/i;

function memory() {
  const m = new Map();
  return { memory: true, getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

/** Before the core has loaded: the stored session, only while its access token is live (the core's rule). */
function peek(storage, key) {
  let text;
  try {
    text = (typeof storage === "object" ? storage : globalThis[storage === "session" ? "sessionStorage" : "localStorage"])?.getItem(key);
  } catch {
    throw new KithError("storage_unavailable", "browser storage is unavailable");
  }
  let s = null;
  try {
    s = JSON.parse(text ?? "null");
  } catch {}
  const now = Date.now();
  return s && now + 6e4 >= s.received_at && now + 5e3 < s.received_at + s.expires_in * 1e3 ? s : null;
}

function deliver(callback, event, session) {
  try {
    callback(event, session);
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

/**
 * Creates a Kith client. Synchronous: the wasm core loads in the background.
 * @param {import("./index.d.ts").ClientOptions} options
 */
export function createClient(options) {
  const { baseUrl, projectId, projectUserAuth: auth = {} } = options ?? {};
  if (typeof baseUrl !== "string" || !SECURE.test(baseUrl)) {
    throw new KithError("invalid_request", "createClient: baseUrl must be an https URL (http only on localhost)");
  }
  if (typeof projectId !== "string" || !projectId) throw new KithError("invalid_request", "createClient: projectId is required");
  // "memory": this tab's own storage object (the core keeps nothing in JS itself).
  const storage = auth.storage === "memory" ? memory() : auth.storage;
  const listeners = new Map(); // callback -> whether it has had its INITIAL_SESSION
  const emit = (event, session) => listeners.forEach((live, cb) => live && deliver(cb, event, session));
  let core, client, disposed;
  const ready = () => {
    if (disposed) return Promise.reject(new KithError("invalid_request", "the client was disposed"));
    core ??= load().then(() => (client = new Client(baseUrl, projectId, storage, auth.autoRefresh !== false, auth.refreshMarginSeconds, emit)));
    return core.catch((e) => {
      core = undefined;
      throw toKithError(e);
    });
  };
  // In a browser the module starts loading now, and the core (which keeps the session fresh
  // across tabs) starts right after it, one task later: a first call that needs no session
  // (createNonce) does not wait for it.
  if (typeof window !== "undefined") load().then(() => setTimeout(() => ready().catch(() => {})), () => {});
  const run = (f) => ready().then(f).catch((e) => Promise.reject(toKithError(e)));
  // Every asynchronous method is the core's `call(name, argument)`.
  const api = (name) => (arg) => run((c) => c.call(name, arg));
  return {
    signInWithSocial: api("signInWithSocial"),
    signInWithRedirect: api("signInWithRedirect"),
    handleRedirectCallback: api("handleRedirectCallback"),
    getSession: () => (client ? client.session() : peek(storage ?? "local", `kith.session.${projectId}`)),
    getAccessToken: api("getAccessToken"),
    refreshSession: api("refreshSession"),
    signOut: api("signOut"),
    onAuthStateChange(callback) {
      if (typeof callback !== "function") throw new KithError("invalid_request", "onAuthStateChange needs a function");
      listeners.set(callback, false);
      ready().then(() => {
        if (!listeners.has(callback)) return;
        listeners.set(callback, true);
        deliver(callback, "INITIAL_SESSION", client.session());
      }, () => {});
      return () => listeners.delete(callback);
    },
    getUser: api("getUser"),
    linkIdentity: api("linkIdentity"),
    unlinkIdentity: api("unlinkIdentity"),
    getProviderToken: api("getProviderToken"),
    verifyEmail: api("verifyEmail"),
    resendVerificationEmail: api("resendVerificationEmail"),
    createNonce: () => (disposed ? ready() : load()).then(createNonce).catch((e) => Promise.reject(toKithError(e))),
    dispose() {
      disposed = true;
      listeners.clear();
      client?.dispose();
    },
  };
}
