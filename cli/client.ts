/**
 * The browser client build: esbuild bundles the client (partysocket and all)
 * into the static assets directory, once for deploy, again on every change for dev.
 *
 * Which client: `--client <entry>`, else package.json `"roomkit": { "client": ... }`,
 * else the convention `client/index.ts` → `<assets directory>/client.js`.
 * Projects whose wrangler config has a `[build] command` build their own client.
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { sourceFiles, watchFiles } from "./dev/watch.js";
import { failure } from "./errors.js";
import type { Project } from "./project.js";
import { isRecord } from "./wrangler-config.js";
import { relPosix } from "./paths.js";

/** A resolved client build. Paths are absolute. */
export type ClientBuild = {
  entryPoints: string[];
  outfile?: string;
  outdir?: string;
  define: Record<string, string>;
  minify?: boolean;
  splitting: boolean;
  format: "esm" | "iife" | "cjs";
  sourcemap: boolean;
  external: string[];
  alias: Record<string, string>;
  loader: Record<string, esbuild.Loader>;
  /** "client/index.ts → public/client.js", for messages. */
  describe: string;
};

/** `package.json` → `roomkit.client`, as documented in docs/cli.md. */
export type ClientConfig = {
  entry: string | string[];
  outfile?: string;
  outdir?: string;
  define?: Record<string, string>;
  minify?: boolean;
  splitting?: boolean;
  format?: "esm" | "iife" | "cjs";
  sourcemap?: boolean;
  external?: string[];
  alias?: Record<string, string>;
  loader?: Record<string, esbuild.Loader>;
};

const CONVENTIONAL_ENTRIES = ["client/index.ts", "client/index.tsx", "client/index.js", "client/index.jsx"];

/** The client build for `project`, or undefined when roomkit should not build one. */
export function resolveClient(project: Project, flag?: string | false): ClientBuild | undefined {
  if (flag === false) return undefined;
  const root = project.root;
  const assets = path.resolve(root, project.config.assetsDirectory ?? "public");
  if (typeof flag === "string") {
    const entry = path.resolve(root, flag);
    if (!existsSync(entry)) throw failure(`--client ${flag}: file not found`);
    return fromConfig(root, { entry: flag, outfile: relPosix(root, path.join(assets, "client.js")) });
  }
  const configured = (project.pkg?.roomkit as Record<string, unknown> | undefined)?.client;
  if (configured === false) return undefined;
  if (configured !== undefined) return fromConfig(root, validate(configured));
  if (project.config.hasBuildCommand) return undefined;
  const entry = CONVENTIONAL_ENTRIES.find((e) => existsSync(path.join(root, e)));
  if (!entry) return undefined;
  return fromConfig(root, { entry, outfile: relPosix(root, path.join(assets, "client.js")) });
}

function validate(v: unknown): ClientConfig {
  const bad = (what: string) => failure(`package.json: roomkit.client${what}`);
  if (!isRecord(v)) throw bad(' must be an object ({ "entry": "client/index.ts", ... }) or false');
  const strings = (x: unknown) => typeof x === "string" || (Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === "string"));
  const stringMap = (x: unknown) => x === undefined || (isRecord(x) && Object.values(x).every((s) => typeof s === "string"));
  if (!strings(v.entry)) throw bad(".entry must be a path or a list of paths");
  for (const k of ["outfile", "outdir"] as const) if (v[k] !== undefined && typeof v[k] !== "string") throw bad(`.${k} must be a path`);
  if (v.outfile !== undefined && v.outdir !== undefined) throw bad(" sets both outfile and outdir: keep one");
  for (const k of ["minify", "splitting", "sourcemap"] as const) if (v[k] !== undefined && typeof v[k] !== "boolean") throw bad(`.${k} must be true or false`);
  if (v.format !== undefined && !["esm", "iife", "cjs"].includes(v.format as string)) throw bad('.format must be "esm", "iife" or "cjs"');
  if (v.external !== undefined && !(Array.isArray(v.external) && v.external.every((s) => typeof s === "string")))
    throw bad(".external must be a list of module names");
  for (const k of ["define", "alias", "loader"] as const) if (!stringMap(v[k])) throw bad(`.${k} must map names to strings`);
  return v as ClientConfig;
}

function fromConfig(root: string, c: ClientConfig): ClientBuild {
  // An entry that is not a file may be a module in a package (PartyKit builds
  // e.g. "monaco-editor/esm/vs/editor/editor.worker.js"): esbuild resolves it,
  // and names its output after the specifier, as PartyKit's build did.
  const entries = (Array.isArray(c.entry) ? c.entry : [c.entry]).map((e) =>
    existsSync(path.resolve(root, e)) || !isBareSpecifier(root, e) ? path.resolve(root, e) : e,
  );
  for (const e of entries)
    if (path.isAbsolute(e) && !existsSync(e)) throw failure(`client entry ${path.relative(root, e)} not found (package.json roomkit.client.entry)`);
  const outfile = c.outfile ? path.resolve(root, c.outfile) : undefined;
  const outdir = c.outdir ? path.resolve(root, c.outdir) : outfile ? undefined : path.resolve(root, "public");
  if (entries.length > 1 && outfile) throw failure("package.json: roomkit.client has several entries: use outdir, not outfile");
  const format = c.format ?? "esm";
  return {
    entryPoints: entries,
    outfile,
    outdir,
    define: c.define ?? {},
    minify: c.minify,
    // Code splitting needs ESM and an output directory.
    splitting: (c.splitting ?? false) && format === "esm" && outdir !== undefined,
    format,
    sourcemap: c.sourcemap ?? true,
    external: c.external ?? [],
    alias: c.alias ?? {},
    loader: c.loader ?? {},
    describe: `${entries.map((e) => (path.isAbsolute(e) ? relPosix(root, e) : e)).join(", ")} → ${relPosix(root, outfile ?? outdir!)}`,
  };
}

/** `pkg/sub/path` or `@scope/pkg/...` whose first segment is no directory of the project: a module in node_modules. */
function isBareSpecifier(root: string, entry: string): boolean {
  const m = /^(?:@[\w.-]+\/)?[\w.-]+(?=\/|$)/.exec(entry);
  return m !== null && !entry.startsWith(".") && !path.isAbsolute(entry) && !existsSync(path.join(root, entry.split("/")[0]!));
}

function options(build: ClientBuild, minifyByDefault: boolean): esbuild.BuildOptions {
  return {
    entryPoints: build.entryPoints,
    outfile: build.outfile,
    outdir: build.outdir,
    bundle: true,
    platform: "browser",
    target: "es2022",
    format: build.format,
    splitting: build.splitting,
    sourcemap: build.sourcemap,
    minify: build.minify ?? minifyByDefault,
    define: build.define,
    external: build.external,
    alias: build.alias,
    loader: build.loader,
    logLevel: "silent",
  };
}

/** esbuild messages as `file:line:column: text` lines. */
export function formatMessages(messages: esbuild.Message[]): string[] {
  return messages.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}` : m.text));
}

/** Builds the client once (deploy). Throws a one-line failure naming the first error. */
export async function buildClient(build: ClientBuild, root: string): Promise<void> {
  try {
    await esbuild.build({ ...options(build, true), absWorkingDir: root });
  } catch (e) {
    const errors = formatMessages((e as esbuild.BuildFailure).errors ?? []);
    throw failure(`client build failed: ${errors[0] ?? (e as Error).message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`);
  }
}

/**
 * Builds the client and rebuilds it when one of its source files changes (dev).
 * `onBuild` gets each result's errors. Changes come from fs.watch, not esbuild's
 * watch mode: that one polls the files it watches even while nothing changes,
 * which took CPU from the Worker being served (docs/benchmarks.md, dev servers).
 */
export async function watchClient(build: ClientBuild, root: string, onBuild: (errors: string[]) => void): Promise<{ dispose(): Promise<void> }> {
  const ctx = await esbuild.context({
    ...options(build, false),
    absWorkingDir: root,
    metafile: true,
    plugins: [{ name: "roomkit-report", setup: (b) => b.onEnd((r) => onBuild(formatMessages(r.errors))) }],
  });
  // A build that fails has no metafile: its entries (and the last good inputs) stay watched.
  let inputs = build.entryPoints;
  const once = async () => {
    const result = await ctx.rebuild().catch(() => undefined);
    if (result?.metafile) inputs = [...build.entryPoints, ...sourceFiles(result.metafile.inputs, root)];
  };
  await once();
  let running: Promise<void> | undefined;
  let again = false;
  const watch = watchFiles(inputs, () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await once();
        watch.update(inputs);
      } while (again);
    })().finally(() => (running = undefined));
  });
  return {
    async dispose() {
      watch.close();
      await running;
      await ctx.dispose();
    },
  };
}
