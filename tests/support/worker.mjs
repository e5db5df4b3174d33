// The real Kith Worker in workerd (through Miniflare), with an in-memory D1 built from the
// repository's migration files, reachable over real HTTP on 127.0.0.1.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { generateSecrets } from "./secrets.mjs";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORKER = join(ROOT, "edge-worker");

/** Splits a migration file into statements (our migrations use no `;` inside literals). */
export function migrationStatements() {
  const dir = join(WORKER, "migrations");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .split("\n")
        .filter((l) => !l.trim().startsWith("--"))
        .join("\n")
        .split(";")
        .map((s) => s.trim())
        .filter(Boolean),
    );
}

/**
 * Starts the built Worker. `entry`, if given, is the source of an ES module that becomes the
 * main module and imports the Worker as "./index.js" (benchmarks wrap it to observe it).
 */
export async function startWorker({ vars = {}, entry, persist } = {}) {
  const build = join(WORKER, "build");
  const script = join(build, "index.js");
  if (!existsSync(script)) throw new Error(`${script} is missing: run scripts/build.sh first`);
  const secrets = generateSecrets();
  const code = entry
    ? {
        modulesRoot: build,
        modules: [
          { type: "ESModule", path: join(build, "entry.mjs"), contents: entry },
          { type: "ESModule", path: script, contents: readFileSync(script, "utf8") },
          { type: "CompiledWasm", path: join(build, "index_bg.wasm"), contents: readFileSync(join(build, "index_bg.wasm")) },
        ],
      }
    : { modules: true, scriptPath: script, modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }] };
  const mf = new Miniflare({
    ...code,
    compatibilityDate: "2026-04-01",
    d1Databases: { DB: "kith-test" },
    // In memory unless a directory is given (the load benchmark keeps D1 on disk, as wrangler dev).
    ...(persist ? { d1Persist: persist } : {}),
    bindings: { ...secrets, ...vars },
    host: "127.0.0.1",
    port: 0,
  });
  const url = (await mf.ready).origin;
  const db = await mf.getD1Database("DB");
  await db.batch(migrationStatements().map((s) => db.prepare(s)));
  const admin = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${secrets.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const count = async (table) => (await db.prepare(`SELECT count(*) AS n FROM ${table}`).first()).n;
  return { mf, url, db, secrets, admin, count, close: () => mf.dispose() };
}
