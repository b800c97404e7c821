// Runs the benchmark worker in one workerd process, started through Miniflare
// (the same Miniflare and workerd that `wrangler dev` uses), with clients
// connecting to workerd directly: `wrangler dev` would put a second workerd
// (its proxy) in the path of every frame and double the work per message.
// The worker is bundled once per run by wrangler itself
// (`wrangler deploy --dry-run`), exactly as it would be deployed.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const wranglerBin = path.join(benchDir, "../node_modules/wrangler/bin/wrangler.js");
const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));
const fromMiniflare = createRequire(fromWrangler.resolve("miniflare"));
const { Miniflare } = fromWrangler("miniflare");
const CLOCK_TICKS = 100; // USER_HZ on Linux
/** Whether this kernel reports each thread's CPU time in nanoseconds (CONFIG_SCHED_INFO). */
const hasSchedstat = threadNs(`/proc/${process.pid}/schedstat`) > 0;
function threadNs(file) {
  try {
    return Number(readFileSync(file, "utf8").split(" ")[0]) || 0;
  } catch {
    return 0; // a thread that ended between the listing and the read
  }
}
// Each Miniflare adds process exit hooks that outlive dispose(); the
// fresh-process workloads start dozens of them in one run.
process.setMaxListeners(0);

/** The Miniflare and workerd versions wrangler 4 runs locally (and so does this benchmark). */
export const runtimeVersions = {
  miniflare: fromWrangler("miniflare/package.json").version,
  workerd: fromMiniflare("workerd/package.json").version,
};

/**
 * With two or more cores, workerd gets the last core to itself and the load
 * generator (this process, all threads) the others, so neither steals the
 * other's time slices: measured on this 2-core machine, it narrows the spread
 * between rounds. Without `taskset` nothing is pinned (and the results say so).
 */
const cores = os.cpus().length;
const hasTaskset = cores >= 2 && spawnSync("taskset", ["--version"]).status === 0;
export const pinning = hasTaskset ? `workerd on core ${cores - 1}, clients on ${cores === 2 ? "core 0" : `cores 0-${cores - 2}`}` : "none";
function pin(pid, list) {
  if (hasTaskset) spawnSync("taskset", ["-a", "-p", "-c", list, String(pid)], { stdio: "ignore" });
}
/** Pins another server process (the streams reference server) to workerd's core. */
export const pinToServerCore = (pid) => pin(pid, String(cores - 1));
pin(process.pid, `0-${Math.max(0, cores - 2)}`);

/** Bundles per project directory (bench/ for the rooms, bench/streams/ for roomkit/streams), each once per run. */
const bundled = new Map();
/** Bundles the worker of `dir` (a directory with a wrangler.toml) with wrangler, once, and reads the config the bundle needs. */
function bundle(dir) {
  if (bundled.has(dir)) return bundled.get(dir);
  const outdir = mkdtempSync(path.join(tmpdir(), "roomkit-bench-bundle-"));
  try {
    execFileSync(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: dir,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    throw new Error(`wrangler could not bundle ${path.relative(process.cwd(), dir) || "."}:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  const toml = readFileSync(path.join(dir, "wrangler.toml"), "utf8");
  const compatibilityDate = /^compatibility_date = "([^"]+)"/m.exec(toml)[1];
  const compatibilityFlags = JSON.parse(/^compatibility_flags = (\[[^\]]*\])/m.exec(toml)[1]);
  const durableObjects = {};
  for (const [, name, className] of toml.matchAll(/name = "([A-Z_]+)"\nclass_name = "(\w+)"/g)) {
    durableObjects[name] = { className, useSQLite: true };
  }
  // wrangler names the bundle after `main` (worker/index.ts → index.js).
  const script = path.join(outdir, `${path.parse(/^main = "([^"]+)"/m.exec(toml)[1]).name}.js`);
  const b = { outdir, script, compatibilityDate, compatibilityFlags, durableObjects };
  bundled.set(dir, b);
  return b;
}

function childrenOf(pid) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid && readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "workerd") out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export class BenchServer {
  constructor(mf, url, persistTo, workerdPid) {
    this.mf = mf;
    this.url = url;
    this.persistTo = persistTo;
    this.workerdPid = workerdPid;
  }

  get http() {
    return `http://${this.url.host}`;
  }
  get ws() {
    return `ws://${this.url.host}`;
  }

  /**
   * Starts workerd with the worker of `project` (default: bench/, every room implementation);
   * `inspectorPort` opens its V8 inspector there (for profiling by hand, never in a measured run).
   */
  static async start({ inspectorPort, project = benchDir } = {}) {
    const b = bundle(project);
    const before = new Set(childrenOf(process.pid));
    const persistTo = mkdtempSync(path.join(tmpdir(), "roomkit-bench-"));
    const mf = new Miniflare({
      modules: true,
      scriptPath: b.script,
      modulesRoot: b.outdir,
      compatibilityDate: b.compatibilityDate,
      compatibilityFlags: b.compatibilityFlags,
      durableObjects: b.durableObjects,
      durableObjectsPersist: path.join(persistTo, "do"),
      host: "127.0.0.1",
      port: 0,
      log: undefined,
      ...(inspectorPort ? { inspectorPort } : {}),
    });
    const url = await mf.ready;
    const pids = childrenOf(process.pid).filter((p) => !before.has(p));
    if (pids.length !== 1) {
      await mf.dispose();
      throw new Error(`expected one new workerd process, found ${pids.length}`);
    }
    pin(pids[0], String(cores - 1));
    return new BenchServer(mf, url, persistTo, pids[0]);
  }
  /** Resident memory of workerd, in bytes. */
  rss() {
    const status = readFileSync(`/proc/${this.workerdPid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
  }

  /**
   * CPU time workerd has used so far, in ms: the scheduler's nanosecond
   * count of each of its threads (`/proc/<pid>/task/<tid>/schedstat`).
   * `/proc/<pid>/stat` counts in clock ticks of 10 ms: a 1,000-join storm
   * costs about 800 ms, so a tick was 1.2 % of a sample, and the storm's
   * figures moved in steps of 0.010 ms per connection. workerd keeps its
   * threads for its whole life, so none leaves its time uncounted.
   */
  cpuMs() {
    if (hasSchedstat) {
      const tasks = `/proc/${this.workerdPid}/task`;
      let ns = 0;
      for (const tid of readdirSync(tasks)) ns += threadNs(`${tasks}/${tid}/schedstat`);
      return ns / 1e6;
    }
    const stat = readFileSync(`/proc/${this.workerdPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }

  async stop() {
    await this.mf.dispose();
    rmSync(this.persistTo, { recursive: true, force: true });
  }
}

/** Removes the bundle when the run is over. */
export function cleanUp() {
  for (const b of bundled.values()) rmSync(b.outdir, { recursive: true, force: true });
  bundled.clear();
}
