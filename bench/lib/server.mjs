// Starts the benchmark worker under a real `wrangler dev` (one workerd process)
// and reads that process's memory and CPU time from /proc.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const wranglerBin = path.join(benchDir, "../node_modules/wrangler/bin/wrangler.js");
const CLOCK_TICKS = 100; // USER_HZ on Linux

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function childrenOf(pid) {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function findWorkerd(rootPid) {
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift();
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd") return pid;
    } catch {
      continue;
    }
    queue.push(...childrenOf(pid));
  }
  return undefined;
}

export class BenchServer {
  constructor(child, port, persistTo, output) {
    this.child = child;
    this.port = port;
    this.persistTo = persistTo;
    this.output = output;
    this.workerdPid = undefined;
  }

  get http() {
    return `http://127.0.0.1:${this.port}`;
  }
  get ws() {
    return `ws://127.0.0.1:${this.port}`;
  }

  static async start() {
    const port = await freePort();
    const persistTo = mkdtempSync(path.join(tmpdir(), "roomkit-bench-"));
    const child = spawn(
      process.execPath,
      [wranglerBin, "dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistTo, "--inspector-port", String(await freePort()), "--log-level", "error"],
      { cwd: benchDir, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    const output = { text: "" };
    child.stdout.on("data", (d) => (output.text = (output.text + d).slice(-20_000)));
    child.stderr.on("data", (d) => (output.text = (output.text + d).slice(-20_000)));
    const server = new BenchServer(child, port, persistTo, output);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output.text}`);
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`wrangler dev did not start within 60 s:\n${output.text}`);
      }
      try {
        const res = await fetch(`${server.http}/raw-health`);
        await res.arrayBuffer();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    server.workerdPid = findWorkerd(child.pid);
    if (!server.workerdPid) throw new Error("could not find the workerd process of wrangler dev");
    return server;
  }

  /** Resident memory of workerd, in bytes. */
  rss() {
    const status = readFileSync(`/proc/${this.workerdPid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
  }

  /** CPU time (user + system) workerd has used so far, in ms. */
  cpuMs() {
    const stat = readFileSync(`/proc/${this.workerdPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  }

  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      try {
        process.kill(-this.child.pid, "SIGTERM");
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {}
    }
    rmSync(this.persistTo, { recursive: true, force: true });
  }
}
