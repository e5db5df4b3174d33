// What the email-verification flow leaves in D1 while a code is pending and after it was
// redeemed: no code, no verification token and no mailer secret in plaintext (CONTRACT
// "Verification and linking rules" 5: verification codes are stored as hashes).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startFixture, opClient } from "../support/fixture.mjs";
import { d1Cells, scanD1ForSecrets } from "../support/scan.mjs";

const ALICE = "alice@example.com";
let f;

before(async () => {
  f = await startFixture({ clients: [opClient("kith-es", "ES256")] });
});

after(async () => {
  await f?.close();
});

/** Cells that hold the 6-digit `code` as a whole token (not inside a longer hex or number). */
async function cellsHoldingCode(code) {
  const whole = new RegExp(`(^|[^0-9a-fA-F])${code}($|[^0-9a-fA-F])`);
  return (await d1Cells(f.worker.db)).filter((c) => whole.test(c.text)).map((c) => `${c.table}.${c.column}`);
}

test("a pending and a redeemed verification leave no code, token or mailer secret in D1", async () => {
  const pid = await f.createProject();
  await f.putProviderIn(pid, "oidc:verify", {
    client_id: "kith-es", client_secret: "kith-es-secret", issuer: f.op.issuer,
    authorization_endpoint: `${f.op.issuer}/auth`, token_endpoint: `${f.op.issuer}/token`, jwks_uri: `${f.op.issuer}/jwks`,
    options: { verify_email: true },
  });
  const body = { provider: "oidc:verify", ...(await f.signInAtOp("kith-es", "alice-unverified")) };
  const res = await f.api(pid, "POST", "/api/auth/login/social", { body });
  assert.equal(res.status, 403, JSON.stringify(res.body));
  const token = res.body.verification_token;
  const { code } = f.outbox.messages(ALICE).at(-1);
  assert.match(code, /^[0-9]{6}$/);

  const secrets = { "verification token": token, "mailer secret": f.outbox.secret, "client secret": "kith-es-secret" };
  const pending = await scanD1ForSecrets(f.worker.db, secrets);
  assert.ok(pending.cells > 0, "the scan read the database");
  assert.deepEqual(pending.findings, [], "pending: nothing in plaintext");
  assert.deepEqual(await cellsHoldingCode(code), [], "pending: the code is not stored");

  const done = await f.api(pid, "POST", "/api/auth/verify-email", { body: { verification_token: token, code } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  const after = await scanD1ForSecrets(f.worker.db, { ...secrets, "refresh token": done.body.refresh_token });
  assert.deepEqual(after.findings, [], "redeemed: nothing in plaintext");
  assert.deepEqual(await cellsHoldingCode(code), [], "redeemed: the code is not stored");
});
