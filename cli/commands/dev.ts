/**
 * `roomkit dev`: wrangler dev on port 1999 with persisted local state, the
 * browser client rebuilt on change, and one readable line per request and
 * connection.
 * @module
 */
import { createInterface } from "node:readline";
import path from "node:path";
import type { BuildContext } from "esbuild";
import { resolveClient, watchClient } from "../client.js";
import { failure, usageError } from "../errors.js";
import type { Output } from "../io.js";
import { loadProject } from "../project.js";
import { DevLogParser, clock, formatEvent } from "../dev-log.js";
import { spawnWrangler } from "../wrangler-bin.js";

export const DEFAULT_PORT = 1999;
export const DEFAULT_PERSIST_DIR = ".wrangler/state";

export type DevOptions = {
  port?: string;
  ip?: string;
  persistTo?: string;
  /** A client entry, or false for `--no-client`. */
  client?: string | false;
  config?: string;
  /** Everything roomkit does not know, passed to `wrangler dev` as is. */
  wranglerArgs: string[];
  /** Stops the server when aborted (tests); Ctrl-C does the same from a terminal. */
  signal?: AbortSignal;
};

/** Validates a `--port` value. */
export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw usageError(`--port ${value}: expected a port number between 1 and 65535`);
  return port;
}

export async function dev(out: Output, cwd: string, options: DevOptions): Promise<void> {
  const port = parsePort(options.port, DEFAULT_PORT);
  const project = await loadProject(cwd, options.config);
  const persistTo = options.persistTo ?? DEFAULT_PERSIST_DIR;
  const client = resolveClient(project, options.client);

  let ctx: BuildContext | undefined;
  if (client) {
    let first = true;
    ctx = await watchClient(client, project.root, (errors) => {
      if (errors.length > 0) for (const e of errors) out.error(`client: ${e}`);
      else if (!first) out.line(`${clock()}  client rebuilt (${client.describe})`);
      first = false;
    });
  }

  // ROOMKIT_DEV_LOG makes rooms print a line when a connection closes (see dev-log.ts).
  const args = ["dev", "--port", String(port), "--persist-to", persistTo, "--var", "ROOMKIT_DEV_LOG:1"];
  if (options.ip) args.push("--ip", options.ip);
  if (options.config) args.push("--config", path.resolve(cwd, options.config));
  args.push(...options.wranglerArgs);

  const child = spawnWrangler(project.root, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...out.io.env, FORCE_COLOR: "0", WRANGLER_SEND_METRICS: out.io.env.WRANGLER_SEND_METRICS ?? "false" },
  });
  const parser = new DevLogParser();
  const onLine = (line: string) => {
    const e = parser.classify(line);
    if (e.kind === "drop") return;
    if (e.kind === "pass") out.line(e.text);
    else if (e.kind === "ready") {
      out.line(
        `${out.paint("green", "roomkit dev")} ready on ${out.paint("bold", e.url)} · state in ${persistTo}` +
          (client ? ` · client ${client.describe} (rebuilt on change)` : "") +
          " · Ctrl-C to stop",
      );
    } else out.line(formatEvent(e));
  };
  createInterface({ input: child.stdout! }).on("line", onLine);
  createInterface({ input: child.stderr! }).on("line", onLine);

  let stopping = false;
  const stop = (signal: NodeJS.Signals = "SIGTERM") => {
    stopping = true;
    // wrangler shuts workerd down itself on SIGINT/SIGTERM.
    child.kill(signal);
  };
  const onSignal = () => stop("SIGINT");
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  options.signal?.addEventListener("abort", () => stop(), { once: true });

  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c, s) => resolve(c ?? (s ? 128 : 0)));
  }).finally(async () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await ctx?.dispose();
  });
  if (!stopping && code !== 0) throw failure(`wrangler dev exited with code ${code}`);
}
