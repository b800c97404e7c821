/**
 * One module's top level, read once: its declarations (which are parties,
 * Durable Object classes, `createWorker(...)` calls), its imports and its
 * exports, with the local aliases of `party` and `createWorker`.
 * @module
 */
import type * as t from "@babel/types";
import { nameOf, parseSource, unwrap, literalProperty } from "./source.js";

/** What a top-level name of a module is bound to. */
export type Local =
  | { kind: "party"; binding?: string; server?: string; line: number }
  | { kind: "durable-object" | "class" | "other"; line: number }
  | { kind: "import"; from: string; imported: string; line: number }
  | { kind: "worker"; call: t.CallExpression; line: number };

/** The top level of one module. */
export type ModuleInfo = {
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

/**
 * Reads the top level of one module: its declarations, imports and exports.
 *
 * @example
 * ```ts
 * const mod = collect("/app/src/index.ts", text, "/app");
 * mod.exports.get("Main"); // { local: "Main" }
 * ```
 */
export function collect(file: string, text: string, root: string): ModuleInfo {
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

/**
 * Whether `call` calls one of `names` or `<namespace>.<member>` (e.g. `rk.party(...)`).
 *
 * @example
 * ```ts
 * isCallTo(mod, call, mod.partyNames, "party"); // true for party(Counter) and rk.party(Counter)
 * ```
 */
export function isCallTo(mod: ModuleInfo, call: t.CallExpression, names: Set<string>, member: string): boolean {
  const c = call.callee;
  if (c.type === "Identifier") return names.has(c.name);
  return (
    c.type === "MemberExpression" &&
    c.object.type === "Identifier" &&
    mod.namespaces.has(c.object.name) &&
    c.property.type === "Identifier" &&
    c.property.name === member
  );
}
