// Starts a real `wrangler dev` (workerd) on a free loopback port for node-side tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const wranglerBin = path.join(repoRoot, "node_modules/wrangler/bin/wrangler.js");

// Ports come from below Linux's ephemeral range (32768-60999): a port the kernel picked with
// listen(0) and we then released can be handed straight back out as the local end of any
// outgoing loopback connection (the suite makes thousands), and workerd then fails to bind it
// ("Address already in use"). Each test process takes its own slice, so two processes
// probing at once do not pick the same port either.
const SLICE = 300;
const slices = Math.floor((32_000 - 20_000) / SLICE);
const slice = 20_000 + (Number(process.env.VITEST_POOL_ID ?? process.pid) % slices) * SLICE;
let next = Math.floor(Math.random() * SLICE);
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1 that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < SLICE; tries++) {
    const port = slice + (next++ % SLICE);
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in 127.0.0.1:${slice}-${slice + SLICE - 1}`);
}

/**
 * Bundles a fixture's worker into a new temporary directory, next to a copy of its wrangler.toml,
 * and returns that directory: a `wrangler dev` started there never reloads when sources change
 * (in a checkout others edit, a reload mid-test would look like a restart of the runtime).
 *
 * @example
 * const server = await DevServer.start({ cwd: await snapshotWorker(fixture) });
 */
export async function snapshotWorker(fixtureDir: string): Promise<string> {
  const toml = readFileSync(path.join(fixtureDir, "wrangler.toml"), "utf8");
  const main = /^main\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!main) throw new Error(`${fixtureDir}/wrangler.toml names no main`);
  const dir = mkdtempSync(path.join(tmpdir(), "roomkit-snapshot-"));
  await build({
    entryPoints: [path.join(fixtureDir, main)],
    outfile: path.join(dir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "silent",
  });
  writeFileSync(path.join(dir, "wrangler.toml"), toml.replace(/^main\s*=.*$/m, 'main = "worker.js"'));
  return dir;
}

export type DevServerOptions = {
  /** Directory holding wrangler.toml. */
  cwd: string;
  /** Extra CLI args (e.g. `--config`, `--alias`). */
  args?: string[];
  /** Where state persists; reuse it across restarts to test durability. Default: a new temp dir. */
  persistTo?: string;
  port?: number;
  /** Give up waiting for "Ready" after this long. */
  startTimeoutMs?: number;
};

export class DevServer {
  private constructor(
    readonly process: ChildProcess,
    readonly port: number,
    readonly persistTo: string,
    readonly output: { text: string },
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: DevServerOptions): Promise<DevServer> {
    const port = options.port ?? (await freePort());
    const persistTo = options.persistTo ?? mkdtempSync(path.join(tmpdir(), "roomkit-state-"));
    const child = spawn(
      process.execPath,
      [
        wranglerBin,
        "dev",
        "--port",
        String(port),
        "--ip",
        "127.0.0.1",
        "--persist-to",
        persistTo,
        "--inspector-port",
        String(await freePort()),
        ...(options.args ?? []),
      ],
      {
        cwd: options.cwd,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", FORCE_COLOR: "0", NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true, // own process group, so stop() takes workerd down with it
      },
    );
    const output = { text: "" };
    child.stdout!.on("data", (d) => (output.text += d));
    child.stderr!.on("data", (d) => (output.text += d));
    const server = new DevServer(child, port, persistTo, output);
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    while (!/Ready on/.test(output.text)) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output.text}`);
      if (Date.now() > deadline) {
        server.kill();
        throw new Error(`wrangler dev did not become ready:\n${output.text}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return server;
  }

  /** SIGKILLs the whole process group (wrangler and workerd): a crash, not a shutdown. */
  kill(): void {
    try {
      process.kill(-this.process.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }

  /** Stops the server and waits for it to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((r) => this.process.once("exit", r));
    try {
      process.kill(-this.process.pid!, signal);
    } catch {
      return;
    }
    const timeout = new Promise((r) => setTimeout(r, 5_000));
    await Promise.race([exited, timeout]);
    this.kill();
  }
}
