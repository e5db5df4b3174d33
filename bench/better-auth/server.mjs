// Better Auth (npm `better-auth`, node + SQLite through better-sqlite3) as the load peer of
// Kith's id_token sign-in: the same local OP, configured by discovery through Better Auth's
// genericOAuth plugin, and `POST /api/auth/sign-in/social` with `idToken`. Started and
// stopped by bench/load.mjs:
//   node bench/better-auth/server.mjs <port> <issuer> <sqlite file>
import http from "node:http";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { genericOAuth } from "better-auth/plugins";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";

const [port, issuer, file] = process.argv.slice(2);
const db = new Database(file);
db.pragma("journal_mode = WAL");
const auth = betterAuth({
  database: db,
  baseURL: `http://127.0.0.1:${port}`,
  secret: randomBytes(32).toString("hex"),
  // Kith's rate limits are set far above the load too: both measure the sign-in itself.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [
    genericOAuth({
      config: [{ providerId: "forge", clientId: "app", clientSecret: "unused", discoveryUrl: `${issuer}/.well-known/openid-configuration` }],
    }),
  ],
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
// The lookup a returning user's sign-in makes (Kith's schema has the same index).
db.exec('CREATE INDEX IF NOT EXISTS "account_provider_account" ON "account" ("providerId", "accountId")');
http.createServer(toNodeHandler(auth)).listen(Number(port), "127.0.0.1", () => console.log("ready"));
