// The linking matrix of CONTRACT "Verification and linking rules", end to end: the real
// oidc-provider's accounts "alice" (alice@example.com, verified) and "alice-unverified"
// (the same address, unverified), through the code flow, in workerd with D1.
//   email verified/unverified × merge on/off × existing/new owner × sign-up on/off × verify_email
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFixture, opClient } from "../support/fixture.mjs";

let f;

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
});

after(async () => {
  await f?.close();
});

/** The rule, as CONTRACT.md and the README state it. */
function expected({ verified, merge, existing, signup, verifyEmail }) {
  if (existing) {
    if (verified) return merge ? "linked" : "email_in_use";
    return verifyEmail && merge ? "email_verification_required" : "email_in_use";
  }
  if (!signup) return "signup_disabled";
  if (verified) return "created_verified";
  return verifyEmail ? "email_verification_required" : "created_unverified";
}

const cases = [];
for (const verified of [true, false])
  for (const merge of [true, false])
    for (const existing of [true, false])
      for (const signup of [true, false])
        for (const verifyEmail of [true, false]) cases.push({ verified, merge, existing, signup, verifyEmail });

for (const c of cases) {
  const name = Object.entries(c).map(([k, v]) => `${k}=${v}`).join(" ");
  test(`${name} → ${expected(c)}`, async () => {
    const pid = await f.createProject();
    const provider = (options) => ({
      client_id: "kith-es", client_secret: "kith-es-secret", issuer: f.op.issuer,
      authorization_endpoint: `${f.op.issuer}/auth`, token_endpoint: `${f.op.issuer}/token`, jwks_uri: `${f.op.issuer}/jwks`,
      options,
    });
    await f.putProviderIn(pid, "oidc:owner", provider({}));
    await f.putProviderIn(pid, "oidc:case", provider({
      allow_email_account_merge: c.merge, sign_up_enabled: c.signup, verify_email: c.verifyEmail,
    }));
    const login = async (prov, account) =>
      f.api(pid, "POST", "/api/auth/login/social", { body: { provider: prov, ...(await f.signInAtOp("kith-es", account)) } });

    let owner;
    if (c.existing) {
      const r = await login("oidc:owner", "alice");
      assert.equal(r.status, 200, JSON.stringify(r.body));
      owner = r.body.user;
    }
    const before = { users: await f.countIn(pid, "users"), identities: await f.countIn(pid, "identities") };
    const res = await login("oidc:case", c.verified ? "alice" : "alice-unverified");
    const want = expected(c);
    const after = { users: await f.countIn(pid, "users"), identities: await f.countIn(pid, "identities") };
    switch (want) {
      case "linked":
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.id, owner.id);
        assert.deepEqual(res.body.user.identities.map((i) => i.provider).sort(), ["oidc:case", "oidc:owner"]);
        assert.deepEqual(after, { users: before.users, identities: before.identities + 1 });
        break;
      case "created_verified":
      case "created_unverified":
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.email, "alice@example.com");
        assert.equal(res.body.user.email_verified, want === "created_verified");
        assert.deepEqual(after, { users: before.users + 1, identities: before.identities + 1 });
        break;
      default: {
        const status = { email_in_use: 409, signup_disabled: 403, email_verification_required: 403 }[want];
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.error, want);
        if (want === "email_verification_required") assert.equal(typeof res.body.verification_token, "string");
        assert.deepEqual(after, before, "no user or identity written");
      }
    }
  });
}
