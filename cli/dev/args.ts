/**
 * The `wrangler dev` flags `roomkit dev` understands when it serves the Worker
 * itself; any other flag is wrangler's to interpret, so `roomkit dev` then runs
 * `wrangler dev` instead (see docs/cli.md).
 * @module
 */
import { usageError } from "../errors.js";

/** What the direct server takes from the wrangler flags on the command line. */
export type DirectArgs = {
  inspectorPort?: number;
  /** `--env`: the config environment. */
  env?: string;
  /** `--var KEY:VALUE`, as wrangler dev reads them. */
  vars: Record<string, string>;
  /** Flags that shape the bundle, passed on to the build (`--define`, `--alias`). */
  buildArgs: string[];
};

/**
 * Validates a port number given as `flag <value>`.
 *
 * @example
 * ```ts
 * parsePort("3000", 1999); // 3000
 * parsePort(undefined, 1999); // 1999
 * ```
 */
export function parsePort(value: string | undefined, fallback: number, flag = "--port"): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw usageError(`${flag} ${value}: expected a port number between 1 and 65535`);
  return port;
}

/** Flags that need nothing from roomkit: local mode is what it serves anyway. */
const IGNORED = new Set(["--local"]);

/**
 * Reads the wrangler flags in `args`. `unsupported` lists the ones only wrangler dev can honour.
 *
 * @example
 * ```ts
 * parseDirectArgs(["--inspector-port", "9230", "--var", "MODE:dev"]);
 * // { parsed: { inspectorPort: 9230, vars: { MODE: "dev" }, buildArgs: [] }, unsupported: [] }
 * ```
 */
export function parseDirectArgs(args: readonly string[]): { parsed: DirectArgs; unsupported: string[] } {
  const parsed: DirectArgs = { vars: {}, buildArgs: [] };
  const unsupported: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    // A flag's value: inline, or the next argument when it is not a flag itself.
    const value = () => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || next.startsWith("-")) throw usageError(`${flag} needs a value`);
      i++;
      return next;
    };
    // Wrangler's array flags take every following value: --var A:1 B:2.
    const values = () => {
      const out = [value()];
      if (inline === undefined) while (args[i + 1] !== undefined && !args[i + 1]!.startsWith("-")) out.push(args[++i]!);
      return out;
    };
    if (flag === "--inspector-port") parsed.inspectorPort = parsePort(value(), 0, "--inspector-port");
    else if (flag === "--env" || flag === "-e") parsed.env = value();
    else if (flag === "--var") {
      for (const kv of values()) {
        const colon = kv.indexOf(":");
        if (colon < 1) throw usageError(`--var ${kv}: expected KEY:VALUE`);
        parsed.vars[kv.slice(0, colon)] = kv.slice(colon + 1);
      }
    } else if (flag === "--define" || flag === "--alias") parsed.buildArgs.push(flag, ...values());
    else if (!IGNORED.has(flag)) unsupported.push(arg);
  }
  return { parsed, unsupported };
}
