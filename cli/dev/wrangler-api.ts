/**
 * The project's own wrangler, loaded as a library: its config reader, its
 * config → Miniflare translation (the one @cloudflare/vitest-pool-workers
 * uses), and the Miniflare it runs workerd with. Loading the project's copy
 * keeps `roomkit dev` on the exact workerd, Miniflare and config rules that
 * `wrangler dev` and `wrangler deploy` use.
 * @module
 */
import { createRequire } from "node:module";
import path from "node:path";
import { wranglerBin } from "../wrangler-bin.js";

/** The subset of Miniflare's options roomkit dev sets; the worker's own come from wrangler. */
export type MiniflareOptions = Record<string, unknown>;

/** What roomkit dev uses of a Miniflare instance. */
export type MiniflareInstance = {
  readonly ready: Promise<URL>;
  setOptions(options: MiniflareOptions): Promise<void>;
  dispose(): Promise<void>;
};

/** Miniflare's logger: `log` receives every formatted line (`[prefix:info] …`). */
export type MiniflareLog = { log(message: string): void };
type LogClass = new (level: number, options?: { prefix?: string }) => MiniflareLog & { logReady(message: string): void };

/** wrangler's view of a config file (only what roomkit reads of it). */
export type WranglerResolvedConfig = {
  name?: string;
  compatibility_date?: string;
  containers?: unknown[];
  dev: { ip?: string };
  build?: { command?: string; watch_dir?: string | string[] };
};

/** `unstable_getMiniflareWorkerOptions`' result. */
export type MiniflareWorkerOptions = {
  workerOptions: Record<string, unknown> & { bindings?: Record<string, unknown>; compatibilityDate?: string; assets?: { directory?: string } };
  externalWorkers: Record<string, unknown>[];
};

export type WranglerApi = {
  readConfig(args: { config: string; env?: string }): WranglerResolvedConfig;
  getMiniflareWorkerOptions(config: WranglerResolvedConfig, env?: string): MiniflareWorkerOptions;
  Miniflare: new (options: MiniflareOptions) => MiniflareInstance;
  Log: LogClass;
  /** Miniflare's `LogLevel.INFO`. */
  INFO: number;
};

/**
 * Loads wrangler (and the Miniflare it depends on) from the project in `projectDir`.
 *
 * @example
 * ```ts
 * const api = loadWranglerApi(project.root);
 * const config = api.readConfig({ config: project.config.file });
 * const { workerOptions } = api.getMiniflareWorkerOptions(config);
 * ```
 */
export function loadWranglerApi(projectDir: string): WranglerApi {
  const fromWrangler = createRequire(path.join(path.dirname(path.dirname(wranglerBin(projectDir))), "package.json"));
  const wrangler = fromWrangler("wrangler") as {
    unstable_readConfig: WranglerApi["readConfig"];
    unstable_getMiniflareWorkerOptions: WranglerApi["getMiniflareWorkerOptions"];
  };
  const miniflare = fromWrangler("miniflare") as { Miniflare: WranglerApi["Miniflare"]; Log: LogClass; LogLevel: { INFO: number } };
  return {
    readConfig: (args) => wrangler.unstable_readConfig(args),
    getMiniflareWorkerOptions: (config, env) => wrangler.unstable_getMiniflareWorkerOptions(config, env),
    Miniflare: miniflare.Miniflare,
    Log: miniflare.Log,
    INFO: miniflare.LogLevel.INFO,
  };
}
