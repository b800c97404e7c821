/**
 * `roomkit dev`: the Worker on port 1999 with persisted local state, the
 * browser client rebuilt on change, and one readable line per request and
 * connection. By default the Worker runs in one workerd that clients reach
 * directly (cli/dev/direct.ts); `--wrangler`, or a flag only wrangler dev knows,
 * runs `wrangler dev` instead (cli/dev/wrangler-dev.ts).
 * @module
 */
import { resolveClient, watchClient } from "../client.js";
import { DevLogParser, clock, formatEvent } from "../dev-log.js";
import { parseDirectArgs, parsePort } from "../dev/args.js";
import { serveDirect } from "../dev/direct.js";
import { serveWithWrangler } from "../dev/wrangler-dev.js";
import type { Output } from "../io.js";
import { loadProject } from "../project.js";

export { parsePort } from "../dev/args.js";

export const DEFAULT_PORT = 1999;
export const DEFAULT_PERSIST_DIR = ".wrangler/state";

export type DevOptions = {
  port?: string;
  ip?: string;
  persistTo?: string;
  /** A client entry, or false for `--no-client`. */
  client?: string | false;
  config?: string;
  /** Run `wrangler dev` (with its proxy) instead of serving the Worker directly. */
  wrangler?: boolean;
  /** Everything roomkit does not know: read by the direct server, or passed to `wrangler dev` as is. */
  wranglerArgs: string[];
  /** Stops the server when aborted (tests); Ctrl-C does the same from a terminal. */
  signal?: AbortSignal;
};

// ROOMKIT_DEV_LOG makes rooms print a line when a connection closes (see dev-log.ts).
const DEV_VARS = { ROOMKIT_DEV_LOG: "1" };

/**
 * Runs the dev server until Ctrl-C (or `options.signal`).
 *
 * @example
 * ```ts
 * await dev(new Output(processIo()), process.cwd(), { port: "3000", wranglerArgs: [] });
 * ```
 */
export async function dev(out: Output, cwd: string, options: DevOptions): Promise<void> {
  const port = parsePort(options.port, DEFAULT_PORT);
  const direct = parseDirectArgs(options.wranglerArgs);
  const project = await loadProject(cwd, options.config);
  const persistTo = options.persistTo ?? DEFAULT_PERSIST_DIR;
  const client = resolveClient(project, options.client);
  const viaWrangler = options.wrangler === true || direct.unsupported.length > 0;
  if (!options.wrangler && viaWrangler) out.line(`${out.paint("dim", `serving through wrangler dev (for ${direct.unsupported.join(" ")})`)}`);

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  if (options.signal?.aborted) stop.abort();
  options.signal?.addEventListener("abort", onSignal, { once: true });

  let ctx: Awaited<ReturnType<typeof watchClient>> | undefined;
  try {
    if (client) {
      let first = true;
      ctx = await watchClient(client, project.root, (errors) => {
        if (errors.length > 0) for (const e of errors) out.error(`client: ${e}`);
        else if (!first) out.line(`${clock()}  client rebuilt (${client.describe})`);
        first = false;
      });
    }
    const onReady = (url: string) =>
      out.line(
        `${out.paint("green", "roomkit dev")} ready on ${out.paint("bold", url)} · state in ${persistTo}` +
          (client ? ` · client ${client.describe} (rebuilt on change)` : "") +
          " · Ctrl-C to stop",
      );
    const parser = new DevLogParser();
    const onLine = (line: string) => {
      const e = parser.classify(line);
      if (e.kind === "drop") return;
      if (e.kind === "pass") out.line(e.text);
      else if (e.kind === "ready") onReady(e.url);
      else out.line(formatEvent(e));
    };
    const common = { project, port, ip: options.ip, persistTo, devVars: DEV_VARS, onLine, signal: stop.signal };
    if (viaWrangler) await serveWithWrangler(out, { ...common, cwd, config: options.config, wranglerArgs: options.wranglerArgs });
    else await serveDirect(out, { ...common, args: direct.parsed, onReady });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    options.signal?.removeEventListener("abort", onSignal);
    await ctx?.dispose();
  }
}
