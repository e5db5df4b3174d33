// Runs kith-claims' example backend (shared/examples/verify_handler.rs), built by cargo, on a
// free port; stopped by its PID when the test ends.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./worker.mjs";

/** Starts the example with `args` (issuer, project id): { url, close() }. */
export async function startRustExample(args) {
  execFileSync("cargo", ["build", "-q", "-p", "kith-claims", "--example", "verify_handler"], { cwd: ROOT, stdio: "inherit" });
  const child = spawn(join(ROOT, "target", "debug", "examples", "verify_handler"), args, { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`verify_handler exited (${code}): ${out}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  const close = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      child.kill("SIGTERM");
    });
  return { url, close };
}
