// The scheduled prune in workerd: the cron trigger's handler deletes rows that can no longer
// be used (expired flow states, codes, single-use keys, old rate windows) and keeps live ones.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "../support/worker.mjs";

let w;
const PID = "7d3c2b1a-0f9e-4d8c-8b7a-6f5e4d3c2b1a";
const now = () => Math.floor(Date.now() / 1000);

before(async () => {
  w = await startWorker();
  const made = await w.admin("PUT", `/admin/projects/${PID}`, { name: "prune" });
  assert.equal(made.status, 200);
});
after(async () => w?.close());

test("the cron trigger prunes expired states, keys and rate windows, and keeps live rows", async () => {
  const t = now();
  await w.db.batch([
    w.db.prepare("INSERT INTO oauth_states (state_hash, project_id, provider, expires_at) VALUES ('dead', ?1, 'google', ?2), ('live', ?1, 'google', ?3)").bind(PID, t - 10, t + 600),
    w.db.prepare("INSERT INTO used_tokens (project_id, key, expires_at) VALUES (?1, 'dead', ?2), (?1, 'live', ?3)").bind(PID, t - 10, t + 600),
    w.db.prepare("INSERT INTO rate_counters (project_id, key, window_start, count) VALUES (?1, 'signin:ip', ?2, 1), (?1, 'signin:ip', ?3, 1)").bind(PID, t - 600, t),
    // A counter of a Worker that predates migration 0015.
    w.db.prepare("INSERT INTO rate_limits (project_id, key, window_start, count) VALUES (?1, 'old', ?2, 1), (?1, 'now', ?3, 1)").bind(PID, t - 7200, t),
  ]);
  const worker = await w.mf.getWorker();
  await worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
  for (const table of ["oauth_states", "used_tokens", "rate_counters", "rate_limits"]) {
    const keys = (await w.db.prepare(`SELECT * FROM ${table}`).all()).results;
    assert.equal(keys.length, 1, `${table}: ${JSON.stringify(keys)}`);
  }
  const left = await w.db.prepare("SELECT key FROM used_tokens").first();
  assert.equal(left.key, "live");
});
