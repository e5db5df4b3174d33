// kith-sdk: the JavaScript face of Kith's Rust/WebAssembly browser SDK.
// Nothing touches `window` at import time (safe to import during SSR); the wasm module is
// fetched and instantiated on the first call that needs it.
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

async function call(fn) {
  try {
    await load();
    return await fn();
  } catch (e) {
    throw asKithError(e);
  }
}

/**
 * Creates a Kith client. Synchronous: methods load the wasm module on first use.
 * @param {{ baseUrl: string, projectId: string }} options
 */
export function createClient(options) {
  const { baseUrl, projectId } = options ?? {};
  if (typeof baseUrl !== "string" || !/^https?:\/\//.test(baseUrl)) {
    throw new KithError("invalid_request", "createClient: baseUrl must be an http(s) URL");
  }
  if (typeof projectId !== "string" || projectId.length === 0) {
    throw new KithError("invalid_request", "createClient: projectId is required");
  }
  const sessionKey = `kith.session.${projectId}`;
  return {
    /** Starts a redirect sign-in (PKCE S256 + state + nonce) and navigates to the provider. */
    signInWithRedirect({ provider, redirectUri, scopes } = {}) {
      if (typeof provider !== "string" || typeof redirectUri !== "string") {
        return Promise.reject(new KithError("invalid_request", "signInWithRedirect: provider and redirectUri are required"));
      }
      return call(() => core.signInWithRedirect(baseUrl, projectId, provider, redirectUri, scopes ?? undefined));
    },
    /** On the redirect page: checks state, signs in with the code, stores and returns the session. */
    handleRedirectCallback() {
      return call(() => core.handleRedirectCallback(baseUrl, projectId));
    },
    /** The stored session, or null. */
    getSession() {
      let text;
      try {
        text = globalThis.localStorage?.getItem(sessionKey);
      } catch {
        throw new KithError("storage_unavailable", "localStorage is unavailable");
      }
      if (!text) return null;
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    },
  };
}
