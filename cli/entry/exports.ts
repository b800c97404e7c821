/**
 * The export graph: what each exported name of an entry really is, following
 * relative re-exports (`export { X } from "./x"`, `export * from "./y"`,
 * imports re-exported by name) across modules.
 * @module
 */
import type { ModuleInfo } from "./module.js";
import { rel } from "../paths.js";
import { resolveRelative } from "./source.js";

/** What an exported name is. */
export type ExportKind = "party" | "durable-object" | "class" | "other" | "external";

/** One export of the entry, after following re-exports. */
export type ExportInfo = {
  kind: ExportKind;
  /** For parties: the `binding` option of `party(Server, { binding })`, if given as a literal. */
  binding?: string;
  /** For parties: the server class' local name, for messages. */
  server?: string;
  /** Where it is defined (project-relative path and 1-based line). */
  file: string;
  line: number;
};

/** Loads (once) the module at an absolute path. */
export type ModuleLoader = (file: string) => Promise<ModuleInfo>;

/**
 * Every export of `entry`, named and through `export *`, resolved to what it is.
 *
 * @example
 * ```ts
 * const { exports, opaqueExports } = await resolveExports(entry, load, "/app");
 * exports.get("Main")?.kind; // "party"
 * ```
 */
export async function resolveExports(
  entry: ModuleInfo,
  load: ModuleLoader,
  root: string,
): Promise<{ exports: Map<string, ExportInfo>; opaqueExports: boolean }> {
  const exports = new Map<string, ExportInfo>();
  let opaqueExports = false;
  for (const [name, ref] of entry.exports) {
    exports.set(name, await resolveExport(entry, ref, load, root, 0));
  }
  for (const spec of entry.stars) {
    const target = spec.startsWith(".") ? resolveRelative(entry.file, spec) : undefined;
    if (!target) {
      opaqueExports = true;
      continue;
    }
    const mod = await load(target);
    for (const [name, ref] of mod.exports) {
      if (name !== "default" && !exports.has(name)) exports.set(name, await resolveExport(mod, ref, load, root, 1));
    }
  }

  return { exports, opaqueExports };
}

/** What export `ref` of `mod` is: a local declaration, or (followed) an import or re-export. */
async function resolveExport(
  mod: ModuleInfo,
  ref: { local: string } | { from: string; imported: string; line: number },
  load: ModuleLoader,
  root: string,
  depth: number,
): Promise<ExportInfo> {
  if ("from" in ref) return resolveImported(mod, ref.from, ref.imported, ref.line, load, root, depth);
  const local = mod.locals.get(ref.local);
  if (!local) return { kind: "other", file: rel(root, mod.file), line: 0 };
  if (local.kind === "import") return resolveImported(mod, local.from, local.imported, local.line, load, root, depth);
  const info: ExportInfo = { kind: local.kind === "worker" ? "other" : local.kind, file: rel(root, mod.file), line: local.line };
  if (local.kind === "party") {
    info.binding = local.binding;
    info.server = local.server;
  }
  return info;
}

async function resolveImported(
  mod: ModuleInfo,
  from: string,
  imported: string,
  line: number,
  load: ModuleLoader,
  root: string,
  depth: number,
): Promise<ExportInfo> {
  const target = from.startsWith(".") && depth < 20 ? resolveRelative(mod.file, from) : undefined;
  if (!target) return { kind: "external", file: rel(root, mod.file), line };
  const other = await load(target);
  const ref = other.exports.get(imported);
  if (ref) return resolveExport(other, ref, load, root, depth + 1);
  for (const spec of other.stars) {
    if (imported === "default") break;
    const found = await resolveImported(other, spec, imported, line, load, root, depth + 1);
    if (found.kind !== "other" || found.line !== 0) return found;
  }
  return { kind: "other", file: rel(root, other.file), line: 0 };
}
