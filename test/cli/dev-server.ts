// Runs `roomkit dev` in-process (the real command, real workerd) with its output
// captured, and stops it through the command's abort signal.
import { readdirSync, readFileSync } from "node:fs";
import { PassThrough, Writable } from "node:stream";
import WebSocket from "ws";
import { type DevOptions, dev } from "../../cli/commands/dev.js";
import { describe as oneLine } from "../../cli/errors.js";
import { Output } from "../../cli/io.js";
import { freePort } from "../support/wrangler-dev.js";
import { tempDir } from "./support.js";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** A running `roomkit dev` on a free loopback port. */
export class DevRun {
  readonly stdout = new Capture();
  readonly stderr = new Capture();
  /** The command's outcome: undefined when it stopped cleanly, else its one-line error. */
  readonly done: Promise<string | undefined>;
  private readonly stop = new AbortController();

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly persistTo: string,
    options: Omit<DevOptions, "signal">,
  ) {
    const out = new Output({
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", CI: "1" },
      stdin: new PassThrough(),
      stdout: this.stdout,
      stderr: this.stderr,
      interactive: false,
      color: false,
    });
    this.done = dev(out, dir, { ...options, signal: this.stop.signal }).then(
      () => undefined,
      (e: unknown) => oneLine(e),
    );
  }

  get output(): string {
    return this.stdout.text + this.stderr.text;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts `roomkit dev` in `dir` with `args` (roomkit's and wrangler's flags), on 127.0.0.1 and a free
   * port and inspector port, and waits for its ready line.
   */
  static async start(dir: string, options: { persistTo?: string; wrangler?: boolean; client?: false; args?: string[] } = {}): Promise<DevRun> {
    const port = await freePort();
    const persistTo = options.persistTo ?? tempDir("roomkit-state-");
    const run = new DevRun(dir, port, persistTo, {
      port: String(port),
      ip: "127.0.0.1",
      persistTo,
      client: options.client,
      wrangler: options.wrangler,
      wranglerArgs: ["--inspector-port", String(await freePort()), ...(options.args ?? [])],
    });
    let failed: string | undefined;
    let finished = false;
    void run.done.then((e) => ((failed = e), (finished = true)));
    await run.waitFor(/ready on http:\/\/127\.0\.0\.1:\d+/, 120_000, () => (finished ? `roomkit dev stopped: ${failed ?? "no error"}` : undefined));
    return run;
  }

  /** Waits until the output matches `pattern` (bounded). */
  async waitFor(pattern: RegExp, timeoutMs = 30_000, failure?: () => string | undefined): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      const why = failure?.();
      if (why) throw new Error(`${why}\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} in roomkit dev's output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the server; resolves to the command's error, if it failed. */
  async close(): Promise<string | undefined> {
    this.stop.abort();
    return this.done;
  }
}

/** A WebSocket client with an inbox of JSON messages. */
export async function jsonClient(url: string) {
  const ws = new WebSocket(url);
  const inbox: Record<string, unknown>[] = [];
  ws.on("message", (d) => inbox.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    ws,
    async next(timeoutMs = 15_000): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs;
      while (inbox.length === 0) {
        if (Date.now() > deadline) throw new Error(`no message on ${url}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return inbox.shift()!;
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((r) => ws.once("close", r));
      ws.close(1000);
      await closed;
    },
  };
}

/** The workerd processes this test process started (directly or through a child such as wrangler). */
export function workerdDescendants(): number[] {
  const parents = new Map<number, number>();
  const workerd = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "workerd") workerd.add(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid), hops = 0; p !== undefined && hops < 64; p = parents.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  return [...workerd].filter(descends);
}
