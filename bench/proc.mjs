// What the benchmarks read about processes and samples: CPU time from /proc (workerd freezes
// its clock inside requests, so server CPU is measured from outside) and min/median/max.
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** `[comm, ppid, utime + stime in ms]` of a process, or null once it has ended. */
function read(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
    return [st.slice(st.indexOf("(") + 1, st.lastIndexOf(")")), Number(f[1]), (Number(f[11]) + Number(f[12])) * TICK_MS];
  } catch {
    return null;
  }
}

/** Every live process under `root` (children, their children, ...), with its `comm`. */
export function descendants(root) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const p = read(name);
    if (p) children.set(p[1], [...(children.get(p[1]) ?? []), { pid: Number(name), comm: p[0] }]);
  }
  const out = [];
  const queue = [root];
  while (queue.length) {
    for (const c of children.get(queue.shift()) ?? []) {
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** utime + stime of these processes, in ms (processes that ended count as 0). */
export function cpuMs(pids) {
  return pids.reduce((total, pid) => total + (read(pid)?.[2] ?? 0), 0);
}

/** min / median / max of a list of numbers. */
export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1) };
}
