// Scans every row of every table of the Worker's D1 for secrets in plaintext: a check that
// provider tokens, client secrets, private keys, refresh tokens and one-time codes are stored
// only sealed or hashed (CONTRACT "Verification and linking rules" 5). Extend it by passing
// more `{label: value}` pairs; each value is also looked for base64/base64url/hex-encoded.

/** Every text or blob cell of every user table: `[{table, column, text}]`. */
export async function d1Cells(db) {
  const tables = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
  const cells = [];
  for (const { name } of tables.results) {
    if (name.startsWith("_cf_") || name.startsWith("sqlite_") || name === "d1_migrations") continue;
    const rows = await db.prepare(`SELECT * FROM "${name}"`).all();
    for (const row of rows.results) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === "string") cells.push({ table: name, column, text: value });
        else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
          cells.push({ table: name, column, text: Buffer.from(value.buffer ?? value).toString("latin1") });
        }
      }
    }
  }
  return cells;
}

/** The spellings of a secret worth looking for. */
function spellings(secret) {
  const b = Buffer.from(secret);
  return [secret, b.toString("base64"), b.toString("base64url"), b.toString("hex")];
}

/**
 * `secrets`: `{label: string | string[]}`. Returns every finding `{label, table, column}`
 * (empty: nothing stored in plaintext) and how many cells were scanned.
 */
export async function scanD1ForSecrets(db, secrets) {
  const cells = await d1Cells(db);
  const findings = [];
  for (const [label, values] of Object.entries(secrets)) {
    for (const value of [values].flat()) {
      if (typeof value !== "string" || value.length < 8) throw new Error(`secret "${label}" is too short to scan for`);
      for (const { table, column, text } of cells) {
        if (spellings(value).some((s) => text.includes(s))) findings.push({ label, table, column });
      }
    }
  }
  return { findings, cells: cells.length };
}
