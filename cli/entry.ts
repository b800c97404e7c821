/**
 * Static analysis of a Worker entry: which classes it exports, which of them
 * are roomkit parties (`party(...)`) or other Durable Objects, and which party
 * names `createWorker({...})` maps to them. Nothing is executed: the source is
 * parsed (with @babel/parser, so positions refer to the original file and can
 * be used for edits) and relative re-exports are followed.
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { editPositions, type EditPositions } from "./entry/edit-positions.js";
import { resolveExports, type ExportInfo } from "./entry/exports.js";
import { collect, type ModuleInfo } from "./entry/module.js";
import { rel } from "./paths.js";
import { findWorker, type WorkerMap } from "./entry/worker.js";
import { failure } from "./errors.js";

export type { ExportInfo, ExportKind } from "./entry/exports.js";
export type { WorkerParty } from "./entry/worker.js";
export { parseSource, resolveRelative } from "./entry/source.js";

/** The result of analysing an entry file. */
export type EntryAnalysis = {
  /** Absolute path. */
  file: string;
  text: string;
  exports: Map<string, ExportInfo>;
  /** An `export * from "<package>"` could be exporting names we cannot see. */
  opaqueExports: boolean;
  /** The Worker's party map: `export default createWorker({...})`, or a default export routing through streams()/defineRoutes()/routeRoomkitRequest(). */
  worker?: WorkerMap;
  /** Positions used by `roomkit add` to edit the entry. */
  edit: EditPositions;
};

/**
 * Analyses entry `file` of the project rooted at `root`; `overrides` supplies file contents not yet on disk.
 *
 * @example
 * ```ts
 * const entry = await analyzeEntry("/app/src/index.ts", "/app");
 * entry.worker?.parties.map((p) => p.name); // ["main"]
 * ```
 */
export async function analyzeEntry(file: string, root: string, overrides: ReadonlyMap<string, string> = new Map()): Promise<EntryAnalysis> {
  if (!overrides.has(file) && !existsSync(file)) throw failure(`the entry ${rel(root, file)} does not exist`);
  const cache = new Map<string, Promise<ModuleInfo>>();
  const load = (f: string) => {
    let m = cache.get(f);
    if (!m) {
      const override = overrides.get(f);
      m = (override !== undefined ? Promise.resolve(override) : readFile(f, "utf8")).then((text) => collect(f, text, root));
      cache.set(f, m);
    }
    return m;
  };
  const entry = await load(file);
  const { exports, opaqueExports } = await resolveExports(entry, load, root);
  return { file, text: entry.text, exports, opaqueExports, worker: findWorker(entry), edit: editPositions(entry) };
}
