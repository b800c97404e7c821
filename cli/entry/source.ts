/**
 * Reading source files without running them: parse a JS/TS file (with
 * @babel/parser, so positions refer to the original text and can be used for
 * edits), resolve a relative import as bundlers do, and the small AST readers
 * the entry analysis shares.
 * @module
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { parse } from "@babel/parser";
import type * as t from "@babel/types";
import { failure } from "../errors.js";
import { rel } from "../paths.js";

const EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs", ".cts", ".cjs"];

/**
 * Parses a JS/TS source file; throws a one-line error with the position of a syntax error.
 *
 * @example
 * ```ts
 * const program = parseSource("/app/src/index.ts", text, "/app").program;
 * ```
 */
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

/**
 * Resolves a relative import the way bundlers do (extension optional, `.js` may mean `.ts`, directories mean index).
 *
 * @example
 * ```ts
 * resolveRelative("/app/src/index.ts", "./counter.js"); // "/app/src/counter.ts"
 * ```
 */
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

/**
 * Strips `x as T`, `x satisfies T`, `x!` and parentheses.
 *
 * @example
 * ```ts
 * unwrap(parseExpression("(Main as any)!")); // the Identifier Main
 * ```
 */
export function unwrap(e: t.Node | undefined | null): t.Expression | undefined {
  let cur = e as t.Node | undefined | null;
  while (
    cur &&
    (cur.type === "TSAsExpression" || cur.type === "TSSatisfiesExpression" || cur.type === "TSNonNullExpression" || cur.type === "ParenthesizedExpression")
  ) {
    cur = (cur as t.TSAsExpression).expression;
  }
  return (cur ?? undefined) as t.Expression | undefined;
}

/**
 * The string value of `key` in an object literal, if it is a string literal.
 *
 * @example
 * ```ts
 * literalProperty(parseExpression('{ binding: "ROOMS" }'), "binding"); // "ROOMS"
 * ```
 */
export function literalProperty(obj: t.Node | undefined, key: string): string | undefined {
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

/**
 * A property's name when it is static (`a`, `"a"`, `["a"]`, `1`).
 *
 * @example
 * ```ts
 * propertyKey(prop); // "main" for { main: Main }, { "main": Main } and { ["main"]: Main }
 * ```
 */
export function propertyKey(p: t.ObjectProperty | t.ObjectMethod): string | undefined {
  if (p.computed) return p.key.type === "StringLiteral" ? p.key.value : undefined;
  if (p.key.type === "Identifier") return p.key.name;
  if (p.key.type === "StringLiteral") return p.key.value;
  if (p.key.type === "NumericLiteral") return String(p.key.value);
  return undefined;
}

/**
 * An import/export specifier's name (`foo` or `"foo"`).
 *
 * @example
 * ```ts
 * nameOf(specifier.imported); // "party" for import { party } and import { "party" as p }
 * ```
 */
export function nameOf(n: t.Identifier | t.StringLiteral): string {
  return n.type === "Identifier" ? n.name : n.value;
}
