// One integration fixture: the real OP, the real Worker (workerd + D1), a project, and the
// helpers a test needs to play the browser and inspect D1.
import assert from "node:assert/strict";
import { startOp, authorizeAs } from "./op.mjs";
import { startWorker } from "./worker.mjs";
import { startOutbox } from "../../scripts/lib/dev-outbox.mjs";
import { randomUUID } from "node:crypto";
import { pkcePair, randomToken, authorizationUrl } from "./pkce.mjs";

export const PROJECT = "0b5e7c1e-4a57-4c39-9a38-6f1d2f6f7a10";
export const APP_ORIGIN = "http://127.0.0.1:5999";
export const REDIRECT = `${APP_ORIGIN}/callback`;

export const opClient = (client_id, alg) => ({
  client_id,
  client_secret: `${client_id}-secret`,
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: "client_secret_basic",
  id_token_signed_response_alg: alg,
  grant_types: ["authorization_code"],
  response_types: ["code"],
});

export async function startFixture({ clients }) {
  const op = await startOp({ clients });
  const worker = await startWorker();
  // The projects' mailer: the dev outbox, as `npm run dev` uses it.
  const outbox = await startOutbox({ log: () => {} });
  const mailer = { url: outbox.hookUrl, secret: outbox.secret };
  const project = await worker.admin("PUT", `/admin/projects/${PROJECT}`, {
    name: "Integration", allowed_origins: [APP_ORIGIN], redirect_urls: [REDIRECT], mailer,
  });
  assert.equal(project.status, 200, JSON.stringify(project.body));

  /** Configures `name` as a custom OIDC provider for `clientId` at the OP; `overrides` replace fields. */
  async function putProvider(name, clientId, overrides = {}) {
    const r = await worker.admin("PUT", `/admin/projects/${PROJECT}/providers/${encodeURIComponent(name)}`, {
      client_id: clientId, client_secret: `${clientId}-secret`, issuer: op.issuer,
      authorization_endpoint: `${op.issuer}/auth`, token_endpoint: `${op.issuer}/token`, jwks_uri: `${op.issuer}/jwks`,
      scopes: ["openid", "email", "profile"], ...overrides,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  /** Plays the browser half of the flow at the OP: returns the body the SDK would post. */
  async function signInAtOp(clientId, login, nonce = randomToken()) {
    const { verifier, challenge } = pkcePair();
    const state = randomToken();
    const back = await authorizeAs(
      authorizationUrl({ issuer: op.issuer, clientId, redirectUri: REDIRECT, state, nonce, challenge }),
      login,
    );
    assert.equal(back.searchParams.get("state"), state);
    return { code: back.searchParams.get("code"), code_verifier: verifier, redirect_uri: REDIRECT, nonce };
  }

  async function login(provider, body, headers = {}) {
    const res = await fetch(`${worker.url}/api/auth/login/social`, {
      method: "POST",
      headers: { "content-type": "application/json", "project-id": PROJECT, ...headers },
      body: JSON.stringify({ provider, ...body }),
    });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }

  const rows = async () => ({
    users: await worker.count("users"),
    identities: await worker.count("identities"),
    sessions: await worker.count("sessions"),
  });

  /** Asserts a refusal with `code` that changed no row. */
  async function assertRefusedWithoutWrites(provider, body, code = "invalid_social_login", status = 401) {
    const before = await rows();
    const res = await login(provider, body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error, code);
    assert.equal(typeof res.body.error_description, "string");
    assert.deepEqual(await rows(), before, "nothing written");
  }

  /** A fresh project (its own users): `extra` adds settings or self_registration. */
  async function createProject(extra = {}) {
    const pid = randomUUID();
    const r = await worker.admin("PUT", `/admin/projects/${pid}`, {
      name: "Case", allowed_origins: [APP_ORIGIN], redirect_urls: [REDIRECT],
      settings: { sign_in_per_minute: 10000, refresh_per_minute: 10000 }, mailer, ...extra,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return pid;
  }

  async function putProviderIn(pid, name, body) {
    const r = await worker.admin("PUT", `/admin/projects/${pid}/providers/${encodeURIComponent(name)}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  /** Calls the public API of `pid`: returns status, parsed body and headers. */
  async function api(pid, method, path, { body, bearer, headers = {} } = {}) {
    const res = await fetch(`${worker.url}${path}`, {
      method,
      headers: {
        "project-id": pid,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  /** Counts rows of `table` belonging to project `pid`. */
  async function countIn(pid, table) {
    return (await worker.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE project_id = ?`).bind(pid).first()).n;
  }

  return {
    op, worker, outbox, putProvider, signInAtOp, login, rows, assertRefusedWithoutWrites,
    createProject, putProviderIn, api, countIn,
    close: () => Promise.allSettled([op.close(), worker.close(), outbox.close()]),
  };
}
