// Fresh Worker secrets for local runs and tests (never used in production: there they are
// set with `wrangler secret put`, see the README).
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

export function generateSecrets() {
  const jwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return {
    ADMIN_TOKEN: randomBytes(24).toString("base64url"),
    SESSION_SIGNING_KEYS: JSON.stringify([{ ...jwk, kid: `kith-${randomUUID().slice(0, 8)}` }]),
    SECRETS_KEY: randomBytes(32).toString("base64url"),
  };
}
