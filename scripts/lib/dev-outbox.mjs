// The dev outbox: a local stand-in for a project's mailer webhook (README "Email verification
// (OTP)"). It receives Kith's `POST {to, code, expires_at, project_id}`, checks the
// `kith-signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` header exactly as a
// real receiver should (constant-time compare, timestamp within 5 minutes), prints the code,
// and keeps the messages for tests: `GET /messages?to=<address>` → `{"messages": [...]}`.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";

/** How far a signature's timestamp may be from now, seconds (a replayed post is refused). */
export const TOLERANCE_SECS = 300;
const MAX_BODY = 16 * 1024;

/**
 * Whether `header` signs `body` with `secret` at a time within the tolerance of `now`
 * (Unix seconds). The recipe every receiver of Kith's webhook follows.
 */
export function verifySignature(secret, header, body, now = Math.floor(Date.now() / 1000)) {
  const parts = Object.fromEntries(
    String(header ?? "").split(",").map((p) => p.trim().split("=", 2)).filter((kv) => kv.length === 2),
  );
  const t = Number(parts.t);
  if (!Number.isSafeInteger(t) || Math.abs(now - t) > TOLERANCE_SECS || !/^[0-9a-f]{64}$/.test(parts.v1 ?? "")) return false;
  const expected = createHmac("sha256", secret).update(`${parts.t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, "hex"));
}

/**
 * Starts the outbox on 127.0.0.1:`port` (0: any free port). `log` gets one line per message.
 * `fail(status)` makes the hook answer `status` (0: accept again), to play a broken mailer.
 */
export async function startOutbox({ port = 0, secret = randomBytes(24).toString("base64url"), log = console.log } = {}) {
  const messages = [];
  let failWith = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://outbox");
    const answer = (status, body) => {
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/messages") {
      const to = url.searchParams.get("to");
      return answer(200, { messages: messages.filter((m) => to === null || m.to === to) });
    }
    if (req.method !== "POST" || url.pathname !== "/hook") return answer(404, { error: "not_found" });
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (size > MAX_BODY) return answer(413, { error: "too_large" });
      if (!verifySignature(secret, req.headers["kith-signature"], body)) {
        log("outbox: refused a message with a bad signature");
        return answer(401, { error: "bad_signature" });
      }
      if (failWith) return answer(failWith, { error: "failing on purpose" });
      let m;
      try {
        m = JSON.parse(body);
      } catch {
        return answer(400, { error: "not_json" });
      }
      messages.push({ ...m, signature: req.headers["kith-signature"], raw: body, received_at: Date.now() });
      log(`code ${m.code} for ${m.to}`);
      answer(204);
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: origin,
    hookUrl: `${origin}/hook`,
    secret,
    /** The messages received (to `to` only, if given), oldest first. */
    messages: (to) => messages.filter((m) => to === undefined || m.to === to),
    fail: (status) => (failWith = status),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
