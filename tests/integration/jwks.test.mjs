// The provider's JWKS as the Worker sees it: cached with its lifetime, a stopped JWKS server
// does not break sign-ins while keys are cached, and with no keys the answer is 503 with
// nothing written.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFixture, opClient } from "../support/fixture.mjs";
import { startJwksProxy } from "../support/tamper.mjs";

let f, jwks;

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
  jwks = await startJwksProxy(`${f.op.issuer}/jwks`);
});

after(async () => {
  await Promise.allSettled([f?.close(), jwks?.close()]);
});

test("keys are fetched once and reused while the provider's cache lifetime runs", async () => {
  await f.putProvider("oidc:cached", "kith-es", { jwks_uri: jwks.url("cached") });
  const before = jwks.hits;
  for (let i = 0; i < 5; i++) {
    const res = await f.login("oidc:cached", await f.signInAtOp("kith-es", "alice"));
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  assert.equal(jwks.hits - before, 1, "one JWKS fetch for five sign-ins");
});

test("with the JWKS server stopped and keys cached, sign-ins still succeed", async () => {
  await f.putProvider("oidc:warm", "kith-es", { jwks_uri: jwks.url("warm") });
  assert.equal((await f.login("oidc:warm", await f.signInAtOp("kith-es", "bob"))).status, 200);
  jwks.setUp(false);
  try {
    const res = await f.login("oidc:warm", await f.signInAtOp("kith-es", "bob"));
    assert.equal(res.status, 200, JSON.stringify(res.body));
  } finally {
    jwks.setUp(true);
  }
});

test("with the JWKS server stopped and no keys cached, the answer is 503 provider_unavailable and nothing is written", async () => {
  await f.putProvider("oidc:cold", "kith-es", { jwks_uri: jwks.url("cold") });
  jwks.setUp(false);
  try {
    await f.assertRefusedWithoutWrites("oidc:cold", await f.signInAtOp("kith-es", "alice-unverified"), "provider_unavailable", 503);
  } finally {
    jwks.setUp(true);
  }
});

test("an unreachable JWKS host is 503 provider_unavailable", async () => {
  await f.putProvider("oidc:nowhere", "kith-es", { jwks_uri: "http://127.0.0.1:9/jwks" });
  await f.assertRefusedWithoutWrites("oidc:nowhere", await f.signInAtOp("kith-es", "alice-unverified"), "provider_unavailable", 503);
});

test("a JWKS answer that is not a key set is 503 provider_unavailable, nothing written", async () => {
  await f.putProvider("oidc:broken", "kith-es", { jwks_uri: `${f.op.issuer}/.well-known/openid-configuration` });
  await f.assertRefusedWithoutWrites("oidc:broken", await f.signInAtOp("kith-es", "alice-unverified"), "provider_unavailable", 503);
});

test("a JWKS answer that is a 4xx is 503 provider_unavailable, nothing written", async () => {
  await f.putProvider("oidc:gone", "kith-es", { jwks_uri: `${f.op.issuer}/no-such-jwks` });
  await f.assertRefusedWithoutWrites("oidc:gone", await f.signInAtOp("kith-es", "alice-unverified"), "provider_unavailable", 503);
});

test("50 simultaneous sign-ins with a cold key cache all succeed on one JWKS fetch", async () => {
  const { startForge } = await import("../support/forge.mjs");
  const cold = await startForge();
  try {
    const pid = await f.createProject();
    await f.putProviderIn(pid, "oidc:cold-crowd", cold.provider("app"));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        f.api(pid, "POST", "/api/auth/login/social", { body: { provider: "oidc:cold-crowd", id_token: cold.token({ aud: "app", sub: `c${i}` }) } }),
      ),
    );
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200], JSON.stringify(answers.find((a) => a.status !== 200)?.body));
    assert.equal(cold.jwksHits, 1, "one fetch shared by the waiting requests");
  } finally {
    await cold.close();
  }
});
