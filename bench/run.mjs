// `npm run bench`: every Kith benchmark in one run on this machine, after a build. Writes
// target/bench/report.md (the tables) and target/bench/report.json (the raw figures).
// Peers and tools are installed from the registries by the benchmarks themselves.
//   npm run bench            (native, workerd, sizes, cold start, start-up, load: about 16 minutes)
//   npm run bench -- quick   (load with 1 run of 2 s)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { cpus, totalmem, release } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("quick");
const out = join(root, "target", "bench");
mkdirSync(out, { recursive: true });
// wrangler's debug logs (every DevTools event) stay with the report, not in ~/.config.
process.env.WRANGLER_LOG_PATH = join(out, "wrangler-logs");
process.env.WRANGLER_HIDE_BANNER = "true"; // and no npm update check per wrangler command
const run = (cmd, args, cwd = root) => {
  console.error(`==> ${cmd} ${args.join(" ")}`);
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
};

execFileSync("sh", [join(root, "scripts", "build.sh")], { cwd: root, stdio: "inherit" });
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node.js ${process.version}, ${run("rustc", ["--version"]).trim()}`;

const sections = [];
const raw = { machine, date: new Date().toISOString() };

const native = run("cargo", ["run", "--release", "-q"], join(root, "bench", "native"));
sections.push(["id_token verification, native: kith-claims vs jsonwebtoken", native.split("\n").filter((l) => l.startsWith("|")).join("\n")]);
raw.native = JSON.parse(/raw: (.*)$/m.exec(native)?.[1] ?? "null");

sections.push(["id_token checks inside workerd: Kith vs the crypto.subtle floor vs jose", run("node", [join(root, "bench", "workerd-verify.mjs"), "7", "500"]).trim()]);
raw.workerdVerify = JSON.parse(readFileSync(join(root, "target", "bench-workerd-verify.json"), "utf8"));

sections.push(["Sign-in and refresh handlers inside workerd: CPU time, floor, D1 round trips", run("node", [join(root, "bench", "workerd-handler.mjs"), "7", "200"]).trim()]);
raw.workerdHandler = JSON.parse(readFileSync(join(root, "target", "bench-workerd-handler.json"), "utf8"));

sections.push(["SDK and Worker sizes", run("node", [join(root, "bench", "sizes.mjs")]).trim()]);
raw.sizes = JSON.parse(readFileSync(join(root, "target", "bench-sizes.json"), "utf8"));

sections.push(["Fresh isolate: Kith beside a bare workers-rs Worker", run("node", [join(root, "bench", "coldstart.mjs"), "7"]).trim()]);
raw.coldstart = JSON.parse(readFileSync(join(root, "target", "bench-coldstart.json"), "utf8"));

sections.push(["SDK start-up in headless Chromium", run("node", [join(root, "bench", "startup.mjs"), "7"]).trim()]);
raw.startup = JSON.parse(readFileSync(join(root, "target", "bench-startup.json"), "utf8"));

const loadArgs = quick ? ["1", "2"] : ["5", "3"];
sections.push(["Sign-in and refresh under load: Kith (wrangler dev and bare workerd, local D1) beside Better Auth (node + SQLite)", run("node", [join(root, "bench", "load.mjs"), ...loadArgs]).trim()]);
raw.load = JSON.parse(readFileSync(join(root, "target", "bench-load.json"), "utf8"));

const md = [`# Kith benchmark report`, "", `${raw.date} — ${machine}`, "", ...sections.flatMap(([t, body]) => [`## ${t}`, "", body, ""])].join("\n");
writeFileSync(join(out, "report.md"), md);
writeFileSync(join(out, "report.json"), JSON.stringify(raw, null, 2));
console.log(md);
console.error(`\nwritten: ${join(out, "report.md")} and report.json`);
if (!existsSync(join(out, "report.md"))) process.exit(1);
