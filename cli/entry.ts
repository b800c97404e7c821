/**
 * Static analysis of a Worker entry: which classes it exports, which of them
 * are roomkit parties (`party(...)`) or other Durable Objects, and which party
 * names `createWorker({...})` maps to them. Nothing is executed: the source is
 * parsed (with @babel/parser, so positions refer to the original file and can
 * be used for edits) and relative re-exports are followed.
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "@babel/parser";
import type * as t from "@babel/types";
import { failure } from "./errors.js";

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

/** A `name: Class` entry of `createWorker({...})`. */
export type WorkerParty = {
  /** The party name (URL segment). */
  name: string;
  /** The exported class name it refers to; undefined if the value is not an exported class. */
  exportName?: string;
  /** The source text of the value, for messages. */
  expression: string;
  /** Whether the value is an inline `party(...)` call (which cannot be bound: it has no export name). */
  inline: boolean;
  line: number;
};

/** The result of analysing an entry file. */
export type EntryAnalysis = {
  /** Absolute path. */
  file: string;
  text: string;
  exports: Map<string, ExportInfo>;
  /** An `export * from "<package>"` could be exporting names we cannot see. */
  opaqueExports: boolean;
  /** `export default createWorker({...})`, when present. */
  worker?: { line: number; parties: WorkerParty[]; hasSpread: boolean; object?: t.ObjectExpression };
  /** Positions used by `roomkit add` to edit the entry. */
  edit: {
    lastImportEnd: number;
    lastPartyExportEnd?: number;
    defaultExportStart?: number;
    partyCallee?: string;
    usesJsExtension: boolean;
  };
};

type Local =
  | { kind: "party"; binding?: string; server?: string; line: number }
  | { kind: "durable-object" | "class" | "other"; line: number }
  | { kind: "import"; from: string; imported: string; line: number }
  | { kind: "worker"; call: t.CallExpression; line: number };

type ModuleInfo = {
  file: string;
  text: string;
  program: t.Program;
  locals: Map<string, Local>;
  /** exported name → local name, or a re-export from another module. */
  exports: Map<string, { local: string } | { from: string; imported: string; line: number }>;
  stars: string[];
  partyNames: Set<string>;
  workerNames: Set<string>;
  namespaces: Set<string>;
  durableObjectBases: Set<string>;
};

const EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs", ".cts", ".cjs"];

/** Parses a JS/TS source file; throws a one-line error with the position of a syntax error. */
export function parseSource(file: string, text: string, root: string): t.File {
  const ext = path.extname(file);
  const plugins: NonNullable<Parameters<typeof parse>[1]>["plugins"] = [];
  if ([".ts", ".mts", ".cts"].includes(ext)) plugins.push("typescript");
  else if (ext === ".tsx") plugins.push("typescript", "jsx");
  else plugins.push("jsx");
  plugins.push("decorators-legacy");
  try {
    return parse(text, { sourceType: "module", plugins, sourceFilename: file }) as unknown as t.File;
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    const where = err.loc ? `:${err.loc.line}:${err.loc.column + 1}` : "";
    throw failure(`${rel(root, file)}${where}: cannot parse: ${err.message.replace(/\s*\(\d+:\d+\)$/, "")}`);
  }
}

/** Resolves a relative import the way bundlers do (extension optional, `.js` may mean `.ts`, directories mean index). */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e)];
  if (/\.[cm]?jsx?$/.test(base)) {
    const stem = base.replace(/\.[cm]?jsx?$/, "");
    candidates.push(stem + ".ts", stem + ".tsx", stem + ".mts");
  }
  candidates.push(...EXTENSIONS.map((e) => path.join(base, "index" + e)));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Analyses entry `file` of the project rooted at `root`; `overrides` supplies file contents not yet on disk. */
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

  const exports = new Map<string, ExportInfo>();
  let opaqueExports = false;
  for (const [name, ref] of entry.exports) {
    exports.set(name, await resolveExport(entry, name, ref, load, root, 0));
  }
  for (const spec of entry.stars) {
    const target = spec.startsWith(".") ? resolveRelative(entry.file, spec) : undefined;
    if (!target) {
      opaqueExports = true;
      continue;
    }
    const mod = await load(target);
    for (const [name, ref] of mod.exports) {
      if (name !== "default" && !exports.has(name)) exports.set(name, await resolveExport(mod, name, ref, load, root, 1));
    }
  }

  return { file, text: entry.text, exports, opaqueExports, worker: findWorker(entry), edit: editPositions(entry) };
}

async function resolveExport(
  mod: ModuleInfo,
  name: string,
  ref: { local: string } | { from: string; imported: string; line: number },
  load: (f: string) => Promise<ModuleInfo>,
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
  load: (f: string) => Promise<ModuleInfo>,
  root: string,
  depth: number,
): Promise<ExportInfo> {
  const target = from.startsWith(".") && depth < 20 ? resolveRelative(mod.file, from) : undefined;
  if (!target) return { kind: "external", file: rel(root, mod.file), line };
  const other = await load(target);
  const ref = other.exports.get(imported);
  if (ref) return resolveExport(other, imported, ref, load, root, depth + 1);
  for (const spec of other.stars) {
    if (imported === "default") break;
    const found = await resolveImported(other, spec, imported, line, load, root, depth + 1);
    if (found.kind !== "other" || found.line !== 0) return found;
  }
  return { kind: "other", file: rel(root, other.file), line: 0 };
}

/** Reads the top level of one module: its declarations, imports and exports. */
function collect(file: string, text: string, root: string): ModuleInfo {
  const program = parseSource(file, text, root).program;
  const mod: ModuleInfo = {
    file,
    text,
    program,
    locals: new Map(),
    exports: new Map(),
    stars: [],
    partyNames: new Set(["party"]),
    workerNames: new Set(["createWorker"]),
    namespaces: new Set(),
    durableObjectBases: new Set(["DurableObject"]),
  };

  // Imports first, so that aliases (`import { party as p }`) are known when reading declarations.
  for (const stmt of program.body) {
    if (stmt.type !== "ImportDeclaration") continue;
    const from = stmt.source.value;
    for (const s of stmt.specifiers) {
      const line = s.loc?.start.line ?? 0;
      if (s.type === "ImportNamespaceSpecifier") {
        mod.namespaces.add(s.local.name);
        mod.locals.set(s.local.name, { kind: "import", from, imported: "*", line });
        continue;
      }
      const imported = s.type === "ImportDefaultSpecifier" ? "default" : nameOf(s.imported);
      mod.locals.set(s.local.name, { kind: "import", from, imported, line });
      if (imported === "party") mod.partyNames.add(s.local.name);
      if (imported === "createWorker") mod.workerNames.add(s.local.name);
      if (imported === "DurableObject" || (from === "partyserver" && imported === "Server")) mod.durableObjectBases.add(s.local.name);
    }
  }

  const declare = (decl: t.Declaration, exported: boolean) => {
    const line = decl.loc?.start.line ?? 0;
    if (decl.type === "ClassDeclaration" && decl.id) {
      mod.locals.set(decl.id.name, { kind: classKind(mod, decl), line });
      if (exported) mod.exports.set(decl.id.name, { local: decl.id.name });
    } else if (decl.type === "FunctionDeclaration" && decl.id) {
      mod.locals.set(decl.id.name, { kind: "other", line });
      if (exported) mod.exports.set(decl.id.name, { local: decl.id.name });
    } else if (decl.type === "VariableDeclaration") {
      for (const d of decl.declarations) {
        if (d.id.type !== "Identifier") continue;
        mod.locals.set(d.id.name, classify(mod, d.init ?? undefined, d.loc?.start.line ?? line));
        if (exported) mod.exports.set(d.id.name, { local: d.id.name });
      }
    }
  };

  for (const stmt of program.body) {
    switch (stmt.type) {
      case "ClassDeclaration":
      case "FunctionDeclaration":
      case "VariableDeclaration":
        declare(stmt, false);
        break;
      case "ExportNamedDeclaration": {
        if (stmt.declaration) {
          declare(stmt.declaration as t.Declaration, true);
          break;
        }
        const line = stmt.loc?.start.line ?? 0;
        for (const s of stmt.specifiers) {
          if (s.type === "ExportSpecifier") {
            const exportedName = nameOf(s.exported);
            if (stmt.source) mod.exports.set(exportedName, { from: stmt.source.value, imported: s.local.name, line });
            else mod.exports.set(exportedName, { local: s.local.name });
          } else if (s.type === "ExportNamespaceSpecifier" && stmt.source) {
            mod.exports.set(nameOf(s.exported), { from: stmt.source.value, imported: "*", line });
          }
        }
        break;
      }
      case "ExportAllDeclaration":
        mod.stars.push(stmt.source.value);
        break;
      case "ExportDefaultDeclaration": {
        const d = stmt.declaration;
        const line = stmt.loc?.start.line ?? 0;
        if ((d.type === "ClassDeclaration" || d.type === "FunctionDeclaration") && d.id) {
          declare(d, false);
          mod.exports.set("default", { local: d.id.name });
        } else if (d.type === "Identifier") {
          mod.exports.set("default", { local: d.name });
        } else {
          mod.locals.set("*default*", d.type === "ClassDeclaration" ? { kind: classKind(mod, d), line } : classify(mod, d as t.Expression, line));
          mod.exports.set("default", { local: "*default*" });
        }
        break;
      }
    }
  }
  return mod;
}

function classKind(mod: ModuleInfo, cls: t.ClassDeclaration | t.ClassExpression): "durable-object" | "class" {
  const base = cls.superClass;
  if (base?.type === "Identifier" && mod.durableObjectBases.has(base.name)) return "durable-object";
  if (base?.type === "MemberExpression" && base.property.type === "Identifier" && base.property.name === "DurableObject") return "durable-object";
  return "class";
}

function classify(mod: ModuleInfo, init: t.Expression | undefined, line: number): Local {
  const expr = unwrap(init);
  if (!expr) return { kind: "other", line };
  if (expr.type === "ClassExpression") return { kind: classKind(mod, expr), line };
  if (expr.type === "CallExpression") {
    if (isCallTo(mod, expr, mod.partyNames, "party")) {
      const [server, options] = expr.arguments;
      return { kind: "party", binding: literalProperty(options, "binding"), server: server?.type === "Identifier" ? server.name : undefined, line };
    }
    if (isCallTo(mod, expr, mod.workerNames, "createWorker")) return { kind: "worker", call: expr, line };
  }
  return { kind: "other", line };
}

function isCallTo(mod: ModuleInfo, call: t.CallExpression, names: Set<string>, member: string): boolean {
  const c = call.callee;
  if (c.type === "Identifier") return names.has(c.name);
  return c.type === "MemberExpression" && c.object.type === "Identifier" && mod.namespaces.has(c.object.name) && c.property.type === "Identifier" && c.property.name === member;
}

/** Strips `x as T`, `x satisfies T`, `x!` and parentheses. */
function unwrap(e: t.Node | undefined | null): t.Expression | undefined {
  let cur = e as t.Node | undefined | null;
  while (cur && (cur.type === "TSAsExpression" || cur.type === "TSSatisfiesExpression" || cur.type === "TSNonNullExpression" || cur.type === "ParenthesizedExpression")) {
    cur = (cur as t.TSAsExpression).expression;
  }
  return (cur ?? undefined) as t.Expression | undefined;
}

function literalProperty(obj: t.Node | undefined, key: string): string | undefined {
  const o = unwrap(obj);
  if (o?.type !== "ObjectExpression") return undefined;
  for (const p of o.properties) {
    if (p.type === "ObjectProperty" && propertyKey(p) === key) {
      const v = unwrap(p.value as t.Expression);
      if (v?.type === "StringLiteral") return v.value;
    }
  }
  return undefined;
}

function propertyKey(p: t.ObjectProperty | t.ObjectMethod): string | undefined {
  if (p.computed) return p.key.type === "StringLiteral" ? p.key.value : undefined;
  if (p.key.type === "Identifier") return p.key.name;
  if (p.key.type === "StringLiteral") return p.key.value;
  if (p.key.type === "NumericLiteral") return String(p.key.value);
  return undefined;
}

function findWorker(mod: ModuleInfo): EntryAnalysis["worker"] {
  const ref = mod.exports.get("default");
  if (!ref || "from" in ref) return undefined;
  const local = mod.locals.get(ref.local);
  if (local?.kind !== "worker") return undefined;
  const objectArg = unwrap(local.call.arguments[0] as t.Expression | undefined);
  if (objectArg?.type !== "ObjectExpression") return { line: local.line, parties: [], hasSpread: true };
  // Local name → exported name, to report parties by the class name wrangler.toml must bind.
  const exportedAs = new Map<string, string>();
  for (const [name, r] of mod.exports) if (!("from" in r)) exportedAs.set(r.local, name);
  const parties: WorkerParty[] = [];
  let hasSpread = false;
  for (const p of objectArg.properties) {
    if (p.type !== "ObjectProperty") {
      hasSpread = true;
      continue;
    }
    const name = propertyKey(p);
    if (name === undefined) {
      hasSpread = true;
      continue;
    }
    const value = unwrap(p.value as t.Expression);
    const expression = value && value.start != null && value.end != null ? mod.text.slice(value.start, value.end) : "?";
    const line = p.loc?.start.line ?? local.line;
    if (value?.type === "Identifier") {
      parties.push({ name, exportName: exportedAs.get(value.name), expression, inline: false, line });
    } else {
      const inline = value?.type === "CallExpression" && isCallTo(mod, value, mod.partyNames, "party");
      parties.push({ name, expression, inline, line });
    }
  }
  return { line: local.line, parties, hasSpread, object: objectArg };
}

function editPositions(mod: ModuleInfo): EntryAnalysis["edit"] {
  let lastImportEnd = 0;
  let lastPartyExportEnd: number | undefined;
  let defaultExportStart: number | undefined;
  let usesJsExtension = false;
  let partyCallee: string | undefined;
  let namespaceCallee: string | undefined;
  for (const stmt of mod.program.body) {
    if (stmt.type === "ImportDeclaration") {
      lastImportEnd = stmt.end ?? lastImportEnd;
      if (/^\.\.?\/.*\.js$/.test(stmt.source.value)) usesJsExtension = true;
      for (const s of stmt.specifiers) {
        if (s.type === "ImportSpecifier" && nameOf(s.imported) === "party" && stmt.importKind !== "type") partyCallee = s.local.name;
        if (s.type === "ImportNamespaceSpecifier" && stmt.source.value === "roomkit" && stmt.importKind !== "type") namespaceCallee = `${s.local.name}.party`;
      }
    }
    if (stmt.type === "ExportNamedDeclaration" && stmt.declaration?.type === "VariableDeclaration") {
      const init = unwrap(stmt.declaration.declarations[0]?.init);
      if (init?.type === "CallExpression" && isCallTo(mod, init, mod.partyNames, "party")) lastPartyExportEnd = stmt.end ?? undefined;
    }
    if (stmt.type === "ExportDefaultDeclaration") defaultExportStart = stmt.start ?? undefined;
  }
  partyCallee ??= namespaceCallee;
  return { lastImportEnd, lastPartyExportEnd, defaultExportStart, partyCallee, usesJsExtension };
}

function nameOf(n: t.Identifier | t.StringLiteral): string {
  return n.type === "Identifier" ? n.name : n.value;
}

export function rel(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/") || path.basename(file);
}
