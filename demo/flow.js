// The server-driven flow, as an app without the SDK runs it (CONTRACT "Server-driven flow"):
// this page makes the PKCE pair and its state, the demo's server asks the Worker's `start`
// (a server call: no CORS), the user goes to the provider and comes back through the Worker's
// callback to `/flow?code=&state=`, and the page trades the one-time Kith code and its
// verifier for the session at `POST /oauth/token`.

const KEY = "kith-demo.flow";
const b64u = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const random = () => b64u(crypto.getRandomValues(new Uint8Array(32)));

/** Starts the flow for `provider` of `projectId`: navigates away. */
export async function startServerFlow({ projectId, provider }) {
  const verifier = random();
  const state = random();
  const challenge = b64u(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(KEY, JSON.stringify({ verifier, state, projectId, at: Date.now() }));
  const q = new URLSearchParams({ project: projectId, provider, code_challenge: challenge, state });
  const res = await fetch(`/flow/start?${q}`);
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error_description ?? "start failed"), { code: body.error ?? "flow_start_failed" });
  location.assign(body.auth_url);
}

/** On `/flow`: checks the state once, exchanges the code; resolves to the session. */
export async function finishServerFlow({ baseUrl, url = location.href }) {
  const params = new URL(url).searchParams;
  const stored = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
  sessionStorage.removeItem(KEY); // single use, whatever happens next
  if (!stored || stored.state !== params.get("state") || Date.now() - stored.at > 600_000) {
    throw Object.assign(new Error("this callback was not started here, or is stale"), { code: "state_mismatch" });
  }
  if (params.get("error")) {
    throw Object.assign(new Error(`the sign-in failed: ${params.get("error")}`), { code: params.get("error") });
  }
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json", "project-id": stored.projectId },
    body: JSON.stringify({ code: params.get("code"), code_verifier: stored.verifier }),
  });
  const body = await res.json();
  if (!res.ok) throw Object.assign(new Error(body.error_description ?? "exchange failed"), { code: body.error });
  return body;
}

/** Ends a session the SDK does not hold (`POST /api/auth/logout`). */
export async function logout({ baseUrl, projectId, accessToken, scope = "local" }) {
  await fetch(`${baseUrl}/api/auth/logout`, {
    method: "POST",
    headers: { "content-type": "application/json", "project-id": projectId, authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ scope }),
  });
}
