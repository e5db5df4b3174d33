// `npm run dev`'s sample app backend: the run command starts it next to the demo page, prints
// its URL, and it trusts exactly the sessions the Worker issued (kith-sdk/server).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack } from "../support/stack.mjs";
import { randomToken } from "../support/pkce.mjs";

let stack;

before(async () => {
  stack = await startStack({ opPort: 9440, workerPort: 8827, demoPort: 5213 });
});

after(async () => {
  await stack?.stop();
});

test("the run command starts the sample API, prints its URL, and it answers for a signed-in user", async () => {
  assert.equal(stack.api, "http://127.0.0.1:5214/api/me");
  assert.match(stack.output(), /sample API at http:\/\/127\.0\.0\.1:5214\/api\/me/);
  const config = await (await fetch(`${stack.demo}/config.json`)).json();
  assert.equal(config.apiUrl, stack.api, "the demo page learns where the sample API is");
  const project = config.projectId;
  const nonce = randomToken();
  const login = await fetch(`${stack.worker}/api/auth/login/social`, {
    method: "POST",
    headers: { "content-type": "application/json", "project-id": project, origin: stack.demo },
    body: JSON.stringify({ provider: "oidc:dev", id_token: await stack.idToken("alice", nonce), nonce }),
  });
  const session = await login.json();
  assert.equal(login.status, 200, JSON.stringify(session));
  const me = await fetch(stack.api, { headers: { authorization: `Bearer ${session.access_token}`, origin: stack.demo } });
  assert.equal(me.status, 200);
  assert.equal(me.headers.get("access-control-allow-origin"), stack.demo);
  const body = await me.json();
  assert.equal(body.message, `your API saw user ${session.user.id} (alice@example.com)`);
  assert.equal(body.claims.aud, project);
  assert.equal(body.claims.iss, stack.worker);
  const forged = await fetch(stack.api, { headers: { authorization: `Bearer ${session.access_token.slice(0, -4)}AAAA` } });
  assert.deepEqual([forged.status, (await forged.json()).error], [401, "invalid_token"]);
});
