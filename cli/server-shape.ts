/**
 * What a party's server is, read from the source without running it: a class
 * (what `party()` and PartyKit call with `new`), an object of handlers
 * (PartyKit's object syntax, `export default { onConnect(conn, room) {} }`),
 * or something no runtime can serve (an arrow function, a string, no default
 * export). Anything computed at run time is "unknown" and never reported.
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { readFile } from "node:fs/promises";
import type * as t from "@babel/types";
import { parseSource, resolveRelative } from "./entry.js";
import { rel } from "./paths.js";

export type ServerShape =
  | { kind: "class" | "object" | "unknown" }
  /** Imported from a relative path that does not exist (yet): e.g. a build output before the build. */
  | { kind: "missing"; specifier: string; file: string; line: number }
  /** `what` completes "… is <what>", e.g. "an arrow function". */
  | { kind: "not-a-server"; what: string; file: string; line: number };

/**
 * The shape of the value named `name` in module `file` (following relative imports).
 *
 * @example
 * ```ts
 * await serverShape("/app/src/worker.ts", "MainServer", "/app"); // { kind: "class" }
 * ```
 */
export async function serverShape(
  file: string,
  name: string,
  root: string,
  overrides: ReadonlyMap<string, string> = new Map(),
  depth = 0,
): Promise<ServerShape> {
  const text = overrides.get(file) ?? (existsSync(file) ? await readFile(file, "utf8") : undefined);
  if (text === undefined || depth > 10) return { kind: "unknown" };
  let program: t.Program;
  try {
    program = parseSource(file, text, root).program;
  } catch {
    return { kind: "unknown" };
  }
  const here = (node: t.Node, what: string): ServerShape => ({ kind: "not-a-server", what, file: rel(root, file), line: node.loc?.start.line ?? 0 });
  const follow = async (from: string, imported: string, node: t.Node): Promise<ServerShape> => {
    if (!from.startsWith(".")) return { kind: "unknown" };
    const target = resolveRelative(file, from) ?? [...overrides.keys()].find((f) => f === path.resolve(path.dirname(file), from));
    if (!target) return { kind: "missing", specifier: from, file: rel(root, file), line: node.loc?.start.line ?? 0 };
    return serverShape(target, imported === "default" ? "*default*" : imported, root, overrides, depth + 1);
  };

  // The default export is looked up as "*default*".
  if (name === "*default*") {
    for (const stmt of program.body) {
      if (stmt.type === "ExportDefaultDeclaration") {
        const d = stmt.declaration;
        if (d.type === "Identifier") return serverShape(file, d.name, root, overrides, depth + 1);
        if (d.type === "ClassDeclaration" || d.type === "FunctionDeclaration") return { kind: "class" };
        return ofExpression(d as t.Expression, here);
      }
      if (stmt.type === "ExportNamedDeclaration") {
        for (const s of stmt.specifiers) {
          if (s.type === "ExportSpecifier" && exportedName(s.exported) === "default") {
            return stmt.source ? follow(stmt.source.value, s.local.name, stmt) : serverShape(file, s.local.name, root, overrides, depth + 1);
          }
        }
      }
    }
    const first = program.body[0] ?? program;
    return here(first, `missing: ${rel(root, file)} has no default export`);
  }

  for (const stmt of program.body) {
    const decl = stmt.type === "ExportNamedDeclaration" ? stmt.declaration : stmt;
    if (!decl) continue;
    if ((decl.type === "ClassDeclaration" || decl.type === "FunctionDeclaration") && decl.id?.name === name) return { kind: "class" };
    if (decl.type === "VariableDeclaration") {
      for (const d of decl.declarations) {
        if (d.id.type === "Identifier" && d.id.name === name) return d.init ? ofExpression(d.init, here) : here(d, "declared without a value");
      }
    }
    if (decl.type === "ImportDeclaration") {
      for (const s of decl.specifiers) {
        if (s.local.name !== name) continue;
        if (s.type === "ImportNamespaceSpecifier") return { kind: "unknown" };
        return follow(decl.source.value, s.type === "ImportDefaultSpecifier" ? "default" : exportedName(s.imported), decl);
      }
    }
  }
  return { kind: "unknown" };
}

function exportedName(n: t.Identifier | t.StringLiteral): string {
  return n.type === "Identifier" ? n.name : n.value;
}

function ofExpression(e: t.Expression, here: (node: t.Node, what: string) => ServerShape): ServerShape {
  let cur: t.Node = e;
  while (
    cur.type === "TSAsExpression" ||
    cur.type === "TSSatisfiesExpression" ||
    cur.type === "TSNonNullExpression" ||
    cur.type === "ParenthesizedExpression"
  ) {
    cur = (cur as t.TSAsExpression).expression;
  }
  switch (cur.type) {
    case "ClassExpression":
    case "FunctionExpression":
      return { kind: "class" };
    case "ObjectExpression":
      return { kind: "object" };
    case "ArrowFunctionExpression":
      return here(cur, "an arrow function");
    case "StringLiteral":
    case "TemplateLiteral":
      return here(cur, "a string");
    case "NumericLiteral":
      return here(cur, "a number");
    case "BooleanLiteral":
      return here(cur, "a boolean");
    case "NullLiteral":
      return here(cur, "null");
    case "ArrayExpression":
      return here(cur, "an array");
    default:
      return { kind: "unknown" };
  }
}
