/**
 * `roomkit dev`'s default server: the Worker, bundled by wrangler as it would be
 * deployed, runs in one workerd started through Miniflare, and clients connect
 * to that workerd directly. `wrangler dev` puts a second workerd (its proxy, which
 * buffers requests while a reload is under way) in front of the Worker and relays
 * every request and WebSocket frame through it; here a reload is
 * Miniflare's `setOptions`, which swaps the Worker in place.
 * @module
 */
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { clock } from "../dev-log.js";
import { CliError, failure } from "../errors.js";
import type { Output } from "../io.js";
import type { Project } from "../project.js";
import { compatibilityDateFor } from "../runtime.js";
import type { DirectArgs } from "./args.js";
import { watchFiles, watchTrees } from "./watch.js";
import { buildWorker, oneLine, type WorkerBundle } from "./worker-build.js";
import { loadWranglerApi, type MiniflareInstance, type MiniflareOptions, type WranglerApi } from "./wrangler-api.js";

export type DirectDevOptions = {
  project: Project;
  port: number;
  /** Default: the config's `[dev] ip`, else `localhost` (as wrangler dev). */
  ip?: string;
  /** Where state lives, relative to the project: `<persistTo>/v3`, the same files `wrangler dev --persist-to` uses. */
  persistTo: string;
  args: DirectArgs;
  /** Variables every dev session sets (ROOMKIT_DEV_LOG). */
  devVars: Record<string, string>;
  /** Receives every line the runtime and Miniflare print (request lines as `[wrangler:info] GET …`). */
  onLine: (line: string) => void;
  onReady: (url: string) => void;
  signal: AbortSignal;
};

/**
 * Serves the project until `signal` aborts; rebuilds and swaps the Worker when
 * one of its source files, its config or its `.dev.vars` changes. Throws a
 * one-line failure if the config, the first build or the server start fails.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * await serveDirect(out, { project, port: 1999, persistTo: ".wrangler/state", args: { vars: {}, buildArgs: [] },
 *   devVars: {}, onLine: console.log, onReady: (url) => console.log(`ready on ${url}`), signal: stop.signal });
 * ```
 */
export async function serveDirect(out: Output, options: DirectDevOptions): Promise<void> {
  const { project, signal } = options;
  let loaded: WranglerApi | undefined;
  const wrangler = () => (loaded ??= loadWranglerApi(project.root));
  const outdir = path.join(project.root, ".wrangler", "tmp", `roomkit-dev-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  const configFile = project.config.file;
  const watched = (bundle: WorkerBundle) => [...bundle.inputs, configFile, ...devVarsFiles(project.root, options.args.env)];

  let mf: MiniflareInstance | undefined;
  try {
    const first = await prepare(wrangler, out, options, outdir);
    const host = first.ip;
    await ensurePortFree(host, options.port);
    if (signal.aborted) return;
    mf = new (wrangler().Miniflare)(first.options);
    const url = await mf.ready.catch((e: unknown) => {
      throw failure(`the Workers runtime did not start: ${oneLine(e instanceof Error ? e.message : String(e))}`);
    });
    options.onReady(`${url.protocol}//${host.includes(":") ? `[${host}]` : host}:${url.port}`);

    // One reload at a time; changes during a reload cause one more afterwards. A
    // changed asset needs no new bundle, only a new asset manifest (Miniflare's
    // lists each file with its mtime, so a browser would otherwise get a stale 304).
    let current = first;
    let reloading: Promise<void> | undefined;
    let pending: "assets" | "worker" | undefined;
    const reload = async () => {
      while (pending && !signal.aborted) {
        const kind = pending;
        pending = undefined;
        try {
          const next = kind === "worker" ? await prepare(wrangler, out, options, outdir) : current;
          if (signal.aborted) return;
          await mf!.setOptions(next.options);
          current = next;
          sources.update(watched(next.bundle));
          buildInputs.update(next.buildWatchDirs);
          assets.update(next.assetsDirectories);
          // A new asset is served from now on; the client build already said it was rebuilt.
          if (kind === "worker") out.line(`${clock()}  worker rebuilt`);
        } catch (e) {
          // The Worker that ran before keeps serving; the next save tries again.
          out.error(e instanceof CliError ? e.message : `worker reload failed: ${oneLine(e instanceof Error ? e.message : String(e))}`);
        }
      }
    };
    const changed = (kind: "assets" | "worker") => {
      if (pending !== "worker") pending = kind;
      reloading ??= reload().finally(() => (reloading = undefined));
    };
    const sources = watchFiles(watched(first.bundle), () => changed("worker"));
    // A `[build] command`'s inputs are not in the bundle's metafile: wrangler dev reruns it when its watch_dir changes.
    const buildInputs = watchTrees(first.buildWatchDirs, () => changed("worker"));
    const assets = watchTrees(first.assetsDirectories, () => changed("assets"));
    try {
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
      await reloading;
    } finally {
      sources.close();
      buildInputs.close();
      assets.close();
    }
  } finally {
    await mf?.dispose().catch(() => undefined); // a runtime that never started has nothing to stop
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Reads the config with wrangler's reader, bundles the Worker and turns both into Miniflare's options. */
async function prepare(wrangler: () => WranglerApi, out: Output, options: DirectDevOptions, outdir: string) {
  const { project, args } = options;
  // The build runs in its own process: it is started first, and wrangler is loaded
  // here (a second of parsing, the first time) meanwhile.
  const building = buildWorker(project.root, {
    config: project.config.file,
    env: args.env,
    args: args.buildArgs,
    outdir,
    environment: out.io.env,
  });
  building.catch(() => undefined); // a config error is the one reported
  const api = wrangler();
  let config: ReturnType<WranglerApi["readConfig"]>;
  let worker: ReturnType<WranglerApi["getMiniflareWorkerOptions"]>;
  try {
    config = api.readConfig({ config: project.config.file, env: args.env });
    worker = api.getMiniflareWorkerOptions(config, args.env);
  } catch (e) {
    const line = oneLine(e instanceof Error ? e.message : String(e));
    const file = path.basename(project.config.file);
    throw failure(line.includes(file) ? line : `${file}: ${line}`);
  }
  if (config.containers?.length) throw failure("containers need wrangler dev: run roomkit dev --wrangler");
  const bundle = await building;
  const ip = options.ip ?? config.dev.ip ?? "localhost";
  const { workerOptions } = worker;
  const assetsDirectories = workerOptions.assets?.directory ? [workerOptions.assets.directory] : [];
  const buildWatchDirs = config.build?.command ? [config.build.watch_dir ?? "./src"].flat().map((d) => path.resolve(project.root, d)) : [];
  if (!workerOptions.compatibilityDate) {
    workerOptions.compatibilityDate = compatibilityDateFor(project.root);
    out.warn(`no compatibility_date in ${path.basename(project.config.file)}: using ${workerOptions.compatibilityDate}`);
  }
  const mfOptions: MiniflareOptions = {
    // The same worker name, hence the same Durable Object storage files, as wrangler dev.
    name: config.name ?? "worker",
    ...workerOptions,
    bindings: { ...workerOptions.bindings, ...options.devVars, ...args.vars },
    modules: true,
    scriptPath: bundle.script,
    modulesRoot: bundle.modulesRoot,
    defaultPersistRoot: path.join(path.resolve(project.root, options.persistTo), "v3"),
    host: ip,
    port: options.port,
    ...(args.inspectorPort ? { inspectorPort: args.inspectorPort } : {}),
    log: devLog(api, options.onLine),
    logRequests: true,
    handleStructuredLogs: ({ message }: { level: string; message: string }) => {
      for (const line of message.split("\n")) options.onLine(line);
    },
  };
  // Workers the config points at that wrangler would start too (e.g. a queue's consumer elsewhere).
  if (worker.externalWorkers.length > 0) {
    const { name, ...rest } = mfOptions;
    const main = Object.fromEntries(Object.entries(rest).filter(([k]) => SHARED_OPTIONS.has(k)));
    const own = Object.fromEntries(Object.entries(rest).filter(([k]) => !SHARED_OPTIONS.has(k)));
    return { bundle, ip, assetsDirectories, buildWatchDirs, options: { ...main, workers: [{ name, ...own }, ...worker.externalWorkers] } };
  }
  return { bundle, ip, assetsDirectories, buildWatchDirs, options: mfOptions };
}

/** Miniflare options that belong to the whole instance, not to one worker (when there are several). */
const SHARED_OPTIONS = new Set(["defaultPersistRoot", "host", "port", "inspectorPort", "log", "logRequests", "handleStructuredLogs"]);

/**
 * Miniflare's logger with wrangler's prefix, so its request lines read as in
 * wrangler dev (`[wrangler:info] GET /x 200 OK (3ms)`) and the same parser
 * classifies them. Its "Ready on" lines are dropped: roomkit prints its own.
 */
function devLog(api: WranglerApi, onLine: (line: string) => void) {
  const DevLog = class extends api.Log {
    override log(message: string) {
      for (const line of message.split("\n")) onLine(line);
    }
    override logReady() {}
  };
  return new DevLog(api.INFO, { prefix: "wrangler" });
}

/** `.dev.vars` (or `.dev.vars.<env>`) and `.env` next to the config: wrangler reads them into the Worker's env. */
function devVarsFiles(root: string, env: string | undefined): string[] {
  const names = [".dev.vars", ".env", ".env.local"];
  if (env) names.push(`.dev.vars.${env}`, `.env.${env}`, `.env.${env}.local`);
  return names.map((n) => path.join(root, n));
}

/**
 * Fails with one clear line when the port is taken. workerd would report it
 * too, but only as a failed runtime start after its own output.
 */
async function ensurePortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE") reject(failure(`port ${port} is already in use on ${host}: stop the other server or choose another with --port`));
      else if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND") reject(failure(`--ip ${host}: not an address of this machine`));
      else resolve(); // anything else is workerd's to report
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
