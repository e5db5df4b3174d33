// The Kith demo: every way in (redirect, id_token, server-driven flow), the session and its
// events, identities, sign-out, the email code screen, and a call to a sample backend.
import { createClient, KithError } from "/pkg/index.js";
import { startServerFlow, finishServerFlow, logout } from "/flow.js";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k.startsWith("on") ? e.addEventListener(k.slice(2), v) : e.setAttribute(k, v);
  e.append(...children);
  return e;
};

const config = await (await fetch("/config.json")).json();
const PROJECT_KEY = "kith-demo.project";
const params = new URLSearchParams(location.search);
if (params.has("project")) {
  // `?project=<uuid>` points the demo at another project for this tab; `?project=default` undoes it.
  const chosen = params.get("project");
  if (chosen === "default") sessionStorage.removeItem(PROJECT_KEY);
  else sessionStorage.setItem(PROJECT_KEY, chosen);
  history.replaceState(null, "", location.pathname);
}
const projectId = sessionStorage.getItem(PROJECT_KEY) ?? config.projectId;
const kith = createClient({ baseUrl: config.baseUrl, projectId });

$("project-line").replaceChildren(`Project ${projectId}`,
  ...(projectId === config.projectId ? [] : [" · ", el("a", { href: "/?project=default" }, "back to the demo project")]));
$("api-url").textContent = config.apiUrl;

let current = null; // { session, via: "sdk" | "server" }
let providers = [];
let verification = null; // the pending email_verification_required error

const LABELS = { google: "Google", apple: "Apple", microsoft: "Microsoft", github: "GitHub", facebook: "Facebook", okta: "Okta" };
const label = (p) => LABELS[p] ?? (p === config.oneTap?.provider ? `Dev OpenID provider (${p})` : p);

function logEvent(name, detail = "") {
  const time = new Date().toLocaleTimeString([], { hour12: false });
  $("event-log").append(el("li", { "data-event": name }, `${time} ${name}${detail ? ` ${detail}` : ""}`));
  $("event-log").lastElementChild.scrollIntoView({ block: "nearest" });
}

function fail(e) {
  const code = e instanceof KithError || e?.code ? e.code : "unknown";
  $("error").hidden = false;
  $("error").dataset.code = code;
  $("error").textContent = `${code}: ${e?.message ?? e}`;
  if (code === "email_verification_required" && e.verification_token) showOtp(e);
}
const clearError = () => {
  $("error").hidden = true;
  delete $("error").dataset.code;
};

function claimsOf(token) {
  try {
    return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    return null;
  }
}

function show(state) {
  current = state;
  const s = state?.session;
  $("signed-in").hidden = !s;
  $("signed-out").hidden = Boolean(s) || !$("otp").hidden;
  $("user-email").textContent = s?.user?.email ?? "nobody";
  $("status").textContent = s ? "Signed in." : "Signed out. Pick a way in below.";
  if (!s) return;
  $("session-via").textContent = state.via === "server" ? "server-driven flow (held by this page, not the SDK)" : "";
  $("user-id").textContent = s.user.id;
  $("user-roles").textContent = (s.user.roles ?? []).join(", ") || "none";
  $("claims").textContent = JSON.stringify(claimsOf(s.access_token), null, 2);
  $("expires-at").textContent = `(at ${new Date(s.expires_at * 1000).toLocaleTimeString([], { hour12: false })})`;
  tick();
  const linked = new Set((s.user.identities ?? []).map((i) => i.provider));
  $("identities").replaceChildren(...(s.user.identities ?? []).map((i) => el("li", { "data-provider": i.provider },
    el("code", {}, i.provider), ` ${i.email ?? i.subject}`,
    ...(state.via === "sdk" ? [el("button", { type: "button", class: "secondary", onclick: () => kith.unlinkIdentity({ provider: i.provider }).catch(fail) }, "Unlink")] : []))));
  $("link-buttons").replaceChildren(...(state.via === "sdk" ? providers.filter((p) => !linked.has(p.provider)) : []).map((p) =>
    el("button", { type: "button", class: "secondary", "data-link": p.provider, onclick: () => kith.linkIdentity({ provider: p.provider, redirectUri: config.redirectUri }).catch(fail) }, `Link ${label(p.provider)}`)));
  for (const id of ["refresh", "sign-out-global"]) $(id).hidden = state.via !== "sdk";
}

function tick() {
  const s = current?.session;
  if (!s) return;
  const left = s.expires_at - Math.floor(Date.now() / 1000);
  $("expires-in").textContent = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` : "expired";
}
setInterval(tick, 1000);

function showOtp(e) {
  verification = e;
  $("otp-hint").textContent = e.email_hint ?? "the address the provider gave";
  $("otp").hidden = false;
  $("signed-out").hidden = true;
  $("otp-code").value = "";
  $("otp-status").textContent = "";
  $("otp-title").focus();
}
function hideOtp() {
  verification = null;
  $("otp").hidden = true;
  $("otp-error").hidden = true;
  show(current);
}
$("otp-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("otp-error").hidden = true;
  try {
    await kith.verifyEmail({ verification_token: verification.verification_token, code: $("otp-code").value.trim() });
    clearError();
    hideOtp();
  } catch (e) {
    $("otp-error").hidden = false;
    $("otp-error").dataset.code = e.code ?? "unknown";
    $("otp-error").textContent = `${e.code ?? "error"}: ${e.message}`;
  }
});
$("otp-cancel").addEventListener("click", hideOtp);
// A resend, where this SDK has one (the CONTRACT's JS API names only verifyEmail).
$("otp-resend").hidden = typeof kith.resendVerificationEmail !== "function";
$("otp-resend").addEventListener("click", async () => {
  $("otp-error").hidden = true;
  try {
    await kith.resendVerificationEmail({ verification_token: verification.verification_token });
    $("otp-status").textContent = "A new code is on its way; the previous one no longer works.";
  } catch (e) {
    $("otp-error").hidden = false;
    $("otp-error").dataset.code = e.code ?? "unknown";
    $("otp-error").textContent = `${e.code ?? "error"}: ${e.message}`;
  }
});

async function loadProviders() {
  try {
    const res = await fetch(`${config.baseUrl}/api/auth/providers`, { headers: { "project-id": projectId } });
    const body = await res.json();
    if (!res.ok) throw Object.assign(new Error(body.error_description), { code: body.error });
    providers = body.providers;
  } catch (e) {
    fail(e);
  }
  $("provider-buttons").replaceChildren(...providers.map((p) =>
    el("button", { type: "button", class: "provider", "data-provider": p.provider, onclick: () => {
      clearError();
      kith.signInWithRedirect({ provider: p.provider, redirectUri: config.redirectUri }).catch(fail);
    } }, `Continue with ${label(p.provider)}`)));
  const has = (name) => providers.some((p) => p.provider === name);
  $("one-tap").disabled = !(config.oneTap && has(config.oneTap.provider));
  $("server-flow").disabled = !(config.serverFlowProvider && has(config.serverFlowProvider) && projectId === config.projectId);
}

/** One Tap style: an id_token in a popup (implicit `id_token` response), then signInWithSocial. */
async function oneTap() {
  clearError();
  const { nonce } = await kith.createNonce();
  const state = crypto.randomUUID();
  const q = new URLSearchParams({ client_id: config.oneTap.clientId, response_type: "id_token", response_mode: "fragment", scope: "openid email profile", redirect_uri: config.oneTap.redirectUri, nonce, state });
  const popup = window.open(`${config.oneTap.authorizationEndpoint}?${q}`, "kith-id-token", "popup,width=480,height=640");
  if (!popup) return fail(Object.assign(new Error("the popup was blocked"), { code: "popup_blocked" }));
  const message = await new Promise((resolve) => {
    const onMessage = (ev) => {
      if (ev.origin !== location.origin || ev.source !== popup || ev.data?.kind !== "kith-demo-id-token") return;
      window.removeEventListener("message", onMessage);
      resolve(ev.data);
    };
    window.addEventListener("message", onMessage);
  });
  if (message.state !== state) return fail(Object.assign(new Error("the popup answered another request"), { code: "state_mismatch" }));
  if (message.error || !message.id_token) return fail(Object.assign(new Error("no id_token"), { code: message.error ?? "access_denied" }));
  await kith.signInWithSocial({ provider: config.oneTap.provider, id_token: message.id_token, nonce });
}

async function callApi() {
  const out = $("api-result");
  out.textContent = "Calling…";
  let token;
  try {
    token = current?.via === "server" ? current.session.access_token : await kith.getAccessToken();
  } catch {
    out.textContent = "Sign in first: the API needs an access token.";
    return;
  }
  let res;
  try {
    res = await fetch(config.apiUrl, { headers: { authorization: `Bearer ${token}` } });
  } catch {
    out.textContent = `The sample API at ${config.apiUrl} is not running (npm run dev starts it).`;
    out.dataset.state = "unreachable";
    return;
  }
  const body = await res.json().catch(() => ({}));
  out.dataset.state = res.ok ? "ok" : "refused";
  out.textContent = res.ok ? body.message : `The API refused the token: ${res.status} ${body.error ?? ""} ${body.error_description ?? ""}`;
}

$("one-tap").addEventListener("click", () => oneTap().catch(fail));
$("server-flow").addEventListener("click", () => {
  clearError();
  startServerFlow({ projectId, provider: config.serverFlowProvider }).catch(fail);
});
$("refresh").addEventListener("click", () => kith.refreshSession().catch(fail));
$("sign-out").addEventListener("click", async () => {
  if (current?.via === "server") {
    await logout({ baseUrl: config.baseUrl, projectId, accessToken: current.session.access_token }).catch(fail);
    logEvent("SIGNED_OUT", "(server-driven session ended)");
    return show(null);
  }
  await kith.signOut({ scope: "local" }).catch(fail);
});
$("sign-out-global").addEventListener("click", () => kith.signOut({ scope: "global" }).catch(fail));
$("call-api").addEventListener("click", () => callApi());

kith.onAuthStateChange((event, session) => {
  logEvent(event, session?.user?.email ?? "");
  document.body.dataset.lastEvent = event;
  if (current?.via === "server" && !session) return;
  show(session ? { session, via: "sdk" } : null);
});

await loadProviders();
if (location.pathname === "/flow") {
  try {
    const session = await finishServerFlow({ baseUrl: config.baseUrl });
    logEvent("SIGNED_IN", `${session.user.email} (server-driven flow)`);
    show({ session, via: "server" });
  } catch (e) {
    fail(e);
  } finally {
    history.replaceState(null, "", "/");
  }
} else if (params.has("state") || params.has("code") || params.has("error")) {
  try {
    await kith.handleRedirectCallback();
  } catch (e) {
    fail(e);
  }
  show(kith.getSession() ? { session: kith.getSession(), via: "sdk" } : null);
} else {
  show(kith.getSession() ? { session: kith.getSession(), via: "sdk" } : null);
}
document.body.dataset.ready = "true";
