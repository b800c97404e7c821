/**
 * `roomkit dev --wrangler` (and `roomkit dev` with flags only wrangler knows):
 * the project's own `wrangler dev`, its output read line by line.
 * @module
 */
import { createInterface } from "node:readline";
import path from "node:path";
import { failure } from "../errors.js";
import type { Output } from "../io.js";
import type { Project } from "../project.js";
import { spawnWrangler } from "../wrangler-bin.js";

export type WranglerDevOptions = {
  project: Project;
  port: number;
  ip?: string;
  persistTo: string;
  /** `--config` as given on the command line (relative to `cwd`). */
  config?: string;
  cwd: string;
  /** Variables every dev session sets (ROOMKIT_DEV_LOG). */
  devVars: Record<string, string>;
  /** Passed to `wrangler dev` as is. */
  wranglerArgs: string[];
  /** Receives every line wrangler prints. */
  onLine: (line: string) => void;
  signal: AbortSignal;
};

/**
 * Runs `wrangler dev` until `signal` aborts (wrangler then stops workerd itself).
 * Throws a one-line failure if wrangler exits on its own with an error.
 *
 * @example
 * ```ts
 * await serveWithWrangler(out, { project, cwd, port: 1999, persistTo: ".wrangler/state", devVars: {}, wranglerArgs: [],
 *   onLine: console.log, signal });
 * ```
 */
export async function serveWithWrangler(out: Output, options: WranglerDevOptions): Promise<void> {
  const args = ["dev", "--port", String(options.port), "--persist-to", options.persistTo];
  for (const [k, v] of Object.entries(options.devVars)) args.push("--var", `${k}:${v}`);
  if (options.ip) args.push("--ip", options.ip);
  if (options.config) args.push("--config", path.resolve(options.cwd, options.config));
  args.push(...options.wranglerArgs);

  const child = spawnWrangler(options.project.root, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...out.io.env, FORCE_COLOR: "0", WRANGLER_SEND_METRICS: out.io.env.WRANGLER_SEND_METRICS ?? "false" },
  });
  createInterface({ input: child.stdout! }).on("line", options.onLine);
  createInterface({ input: child.stderr! }).on("line", options.onLine);

  let stopping = false;
  const stop = () => {
    stopping = true;
    child.kill("SIGTERM");
  };
  if (options.signal.aborted) stop();
  else options.signal.addEventListener("abort", stop, { once: true });
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c, s) => resolve(c ?? (s ? 128 : 0)));
  }).finally(() => options.signal.removeEventListener("abort", stop));
  if (!stopping && code !== 0) throw failure(`wrangler dev exited with code ${code}`);
}
