/**
 * Bundles the project's Worker exactly as it would be deployed, by wrangler
 * itself (`wrangler deploy --dry-run --outdir`): `[build] command`, `[alias]`,
 * `[define]`, module rules and the nodejs_compat polyfills all apply, and
 * roomkit keeps no bundler configuration of its own.
 * @module
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { failure } from "../errors.js";
import { spawnWrangler } from "../wrangler-bin.js";
import { sourceFiles } from "./watch.js";

/** A bundled Worker: its entry module, the directory its modules live in, and the source files it was made from. */
export type WorkerBundle = { script: string; modulesRoot: string; inputs: string[] };

export type WorkerBuildOptions = {
  /** The wrangler config file (absolute). */
  config: string;
  /** `--env`: the config environment to build. */
  env?: string;
  /** Extra `wrangler deploy` flags that shape the bundle (`--define K:V`, `--alias A:B`). */
  args?: string[];
  /** Where the bundle is written (replaced on each build). */
  outdir: string;
  environment: NodeJS.ProcessEnv;
};

/**
 * Builds the Worker in `projectDir`. Throws a one-line failure naming wrangler's
 * first error when the build fails.
 *
 * @example
 * ```ts
 * const bundle = await buildWorker(project.root, { config: project.config.file, outdir, environment: process.env });
 * new Miniflare({ modules: true, scriptPath: bundle.script, modulesRoot: bundle.modulesRoot });
 * ```
 */
export async function buildWorker(projectDir: string, options: WorkerBuildOptions): Promise<WorkerBundle> {
  const metafile = path.join(options.outdir, "bundle-meta.json");
  const args = ["deploy", "--dry-run", "--outdir", options.outdir, "--metafile", metafile, "--config", options.config];
  if (options.env) args.push("--env", options.env);
  args.push(...(options.args ?? []));
  const child = spawnWrangler(projectDir, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...options.environment, FORCE_COLOR: "0", NO_COLOR: "1", WRANGLER_SEND_METRICS: options.environment.WRANGLER_SEND_METRICS ?? "false" },
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw failure(`worker build failed: ${firstError(output)}`);

  const meta = JSON.parse(await readFile(metafile, "utf8")) as { inputs: Record<string, unknown>; outputs: Record<string, { entryPoint?: string }> };
  // esbuild's paths are relative to the directory wrangler ran in.
  const entry = Object.entries(meta.outputs).find(([, o]) => o.entryPoint !== undefined)?.[0];
  if (!entry) throw failure(`worker build failed: wrangler wrote no entry module to ${options.outdir}`);
  return { script: path.resolve(projectDir, entry), modulesRoot: options.outdir, inputs: sourceFiles(meta.inputs, projectDir) };
}

/**
 * wrangler's first error as one line. `✘ [ERROR] Build failed with 1 error:` is
 * followed by the esbuild error and its location, which are what is kept; a
 * config error (`Processing wrangler.toml configuration:`) keeps its list of problems.
 */
export function firstError(output: string): string {
  const lines = output
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .map((l) => l.trim());
  const at = lines.findIndex((l) => /^(✘ )?\[ERROR\]/.test(l));
  if (at < 0) return lines.filter(Boolean).at(-1) ?? "wrangler exited without a message";
  return oneLine(
    lines
      .slice(at)
      .join("\n")
      .replace(/^✘ /, "")
      .replace(/^\[ERROR\] /, ""),
  );
}

/**
 * A multi-line wrangler message (its errors and its thrown config errors) as one line.
 *
 * @example
 * ```ts
 * oneLine('Processing wrangler.toml configuration:\n  - binding should have a string "name" field.');
 * // 'Processing wrangler.toml configuration: binding should have a string "name" field.'
 * ```
 */
export function oneLine(message: string): string {
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^🪵/.test(l));
  const head = lines[0] ?? "unknown error";
  const rest = lines.slice(1);
  if (/^Build failed with \d+ errors?:?$/.test(head)) {
    const error = rest.find((l) => /^(✘ )?\[ERROR\]/.test(l))?.replace(/^(✘ )?\[ERROR\] /, "");
    const where = rest.find((l) => /^\S+:\d+:\d+:$/.test(l));
    if (error) return where ? `${where} ${error}` : error;
  }
  const problems = rest.filter((l) => l.startsWith("- ") && !/^- "[^"]*":/.test(l)).map((l) => l.slice(2));
  if (problems.length > 0) return `${head.replace(/:$/, "")}: ${problems.join(" ")}`;
  return head;
}
