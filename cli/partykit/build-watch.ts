/**
 * `[build] watch_dir` for a converted `build.command`. wrangler dev reruns the
 * command whenever a file under watch_dir (default `./src`) changes; a command
 * that writes into that directory (an AssemblyScript step writing
 * `src/fib.wasm`) would then rebuild forever.
 * @module
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { relPosix } from "../paths.js";

/** wrangler's default `[build] watch_dir`. */
export const DEFAULT_WATCH_DIR = "src";

/** Options through which common build tools name the file or directory they write. */
const OUTPUT_FLAGS = new Set([
  "-o",
  "--out",
  "--outFile",
  "--outfile",
  "--out-file",
  "--outdir",
  "--out-dir",
  "--outDir",
  "--output",
  "--outputPath",
  "--binaryFile",
  "--textFile",
]);

export type WatchPlan =
  /** The command writes nowhere it is watched: keep wrangler's default (or the project's own watch). */
  | { kind: "fine" }
  /** Watch exactly these inputs instead of the whole directory the command writes into. */
  | { kind: "inputs"; watchDir: string[]; outputs: string[] }
  /** The loop is there but the inputs are unknown: a warning saying what to set. */
  | { kind: "warn"; outputs: string[]; message: string };

/**
 * Decides `watch_dir` for `command` run in `cwd` (project-relative, default the root).
 *
 * @example
 * ```ts
 * planWatch("/app", "asc src/fib.asc.ts --outFile src/fib.wasm");
 * // { kind: "inputs", watchDir: ["src/fib.asc.ts"], outputs: ["src/fib.wasm"] }
 * ```
 */
export function planWatch(root: string, command: string, cwd = "."): WatchPlan {
  const base = path.resolve(root, cwd);
  const rel = (p: string) => relPosix(root, path.resolve(base, p));
  const tokens = command.split(/\s+/).filter(Boolean);
  const outputs: string[] = [];
  const inputs: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const eq = t.startsWith("-") ? t.indexOf("=") : -1;
    const flag = eq > 0 ? t.slice(0, eq) : t;
    if (OUTPUT_FLAGS.has(flag)) {
      const value = eq > 0 ? t.slice(eq + 1) : tokens[++i];
      if (value) outputs.push(rel(value));
    } else if (t === ">" || t === ">>") {
      if (tokens[i + 1]) outputs.push(rel(tokens[++i]!));
    } else if (!t.startsWith("-") && /[./]/.test(t)) {
      const file = path.resolve(base, t);
      if (existsSync(file) && statSync(file).isFile()) inputs.push(rel(t));
    }
  }
  const watched = (p: string) => p === DEFAULT_WATCH_DIR || p.startsWith(`${DEFAULT_WATCH_DIR}/`);
  const looping = outputs.filter(watched);
  if (looping.length === 0) return { kind: "fine" };
  const sources = inputs.filter((i) => !outputs.includes(i));
  if (sources.length > 0) return { kind: "inputs", watchDir: sources, outputs: looping };
  return {
    kind: "warn",
    outputs: looping,
    message: `the build command writes ${looping.join(", ")} inside ${DEFAULT_WATCH_DIR}/, which wrangler dev watches: every build would start another. Set [build] watch_dir in wrangler.toml to the files or directories the command reads (not ${looping.join(", ")}), e.g. watch_dir = ["assembly"]`,
  };
}
