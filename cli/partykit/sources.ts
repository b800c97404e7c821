/**
 * The PartyKit project's own source files: `partykit/server` imports switched
 * to `roomkit`, and uses of PartyKit-only platform features found by name.
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type * as t from "@babel/types";
import { parseSource } from "../entry.js";
import { relPosix } from "../paths.js";

const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const SKIP_DIRS = new Set(["node_modules", ".git", ".partykit", ".wrangler", "dist", "build", ".next", ".svelte-kit", ".output", "coverage"]);
const MAX_BYTES = 1_000_000;

export type SourceRewrite = { file: string; text: string; replaced: number };

/** A PartyKit-only feature found in the code. */
export type Finding = { feature: string; where: string; hint: string };

export type SourceScan = {
  rewrites: SourceRewrite[];
  findings: Finding[];
  /** Deprecated PartyKit type names imported from partykit/server, by file. */
  legacyTypes: { file: string; names: string[] }[];
  /** Files that mention partykit/server but could not be parsed. */
  unparsed: string[];
};

const FEATURES: { feature: string; pattern: RegExp; hint: string }[] = [
  {
    feature: "ai",
    pattern: /\.context\.ai\b|\blobby\.ai\b|from\s+["']partykit-ai["']/,
    hint: 'Workers AI: add [ai] binding = "AI" to wrangler.toml and use env.AI',
  },
  { feature: "vectorize", pattern: /\.context\.vectorize\b|\blobby\.vectorize\b/, hint: "add [[vectorize]] bindings to wrangler.toml and use env.<BINDING>" },
  {
    feature: "bindings (r2/kv)",
    pattern: /\.context\.bindings\b|\blobby\.bindings\b/,
    hint: "declare [[r2_buckets]] / [[kv_namespaces]] in wrangler.toml and use env.<BINDING>",
  },
  {
    feature: "onCron",
    pattern: /\bonCron\s*\(/,
    hint: "roomkit has no onCron: add [triggers] crons = [...] to wrangler.toml and a scheduled() handler to the Worker entry",
  },
  { feature: "onSocket", pattern: /\bonSocket\s*\(/, hint: "onSocket is PartyKit's deprecated hook: use onConnect/onMessage" },
  { feature: "analytics", pattern: /\blobby\.analytics\b|\.context\.analytics\b/, hint: "add an [[analytics_engine_datasets]] binding and use env.<BINDING>" },
];

/**
 * Files under `root` that are project sources (not dependencies, builds or `skip`ped directories).
 *
 * @example
 * ```ts
 * const files = await sourceFiles("/app", ["public"]); // ["/app/src/client.ts", "/app/src/server.ts"]
 * ```
 */
export async function sourceFiles(root: string, skip: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const skipAbs = new Set(skip.map((s) => path.resolve(root, s)));
  const walk = async (dir: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !skipAbs.has(p)) await walk(p);
      } else if (e.isFile() && SOURCE.test(e.name) && (await stat(p)).size <= MAX_BYTES) {
        out.push(p);
      }
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Rewrites `partykit/server` module specifiers (and JSDoc `import("partykit/server")` types) to
 * `roomkit`, and reports PartyKit-only features by file and line.
 *
 * @example
 * ```ts
 * const scan = await scanSources("/app", await sourceFiles("/app", []));
 * scan.rewrites[0]; // { file: "/app/src/server.ts", text: 'import type * as Party from "roomkit";...', replaced: 1 }
 * ```
 */
export async function scanSources(root: string, files: string[]): Promise<SourceScan> {
  const scan: SourceScan = { rewrites: [], findings: [], legacyTypes: [], unparsed: [] };
  for (const file of files) {
    const text = await readFile(file, "utf8");
    const rel = relPosix(root, file);
    for (const f of FEATURES) {
      const m = f.pattern.exec(text);
      if (m) scan.findings.push({ feature: f.feature, where: `${rel}:${text.slice(0, m.index).split("\n").length}`, hint: f.hint });
    }
    if (!text.includes("partykit/server")) continue;
    let ast: t.File;
    try {
      ast = parseSource(file, text, root);
    } catch {
      scan.unparsed.push(rel);
      continue;
    }
    const literals: t.StringLiteral[] = [];
    const legacy = new Set<string>();
    visit(ast.program, (node) => {
      const source = moduleSource(node);
      if (source?.value === "partykit/server") {
        literals.push(source);
        if (node.type === "ImportDeclaration") {
          for (const s of node.specifiers) {
            if (s.type === "ImportSpecifier") {
              const name = s.imported.type === "Identifier" ? s.imported.name : s.imported.value;
              if (/^Party[A-Z]/.test(name)) legacy.add(name);
            }
          }
        }
      }
    });
    // JSDoc types (`@typedef {import("partykit/server").Room} Room`) live in comments, not in the AST.
    const starts = [...literals.map((l) => l.start! + 1), ...(ast.comments ?? []).flatMap((c) => jsdocImports(text, c.start!, c.end!))];
    if (starts.length === 0) continue;
    let out = text;
    for (const start of starts.sort((a, b) => b - a)) {
      // Keep the original quote style: replace only the characters inside the quotes.
      out = out.slice(0, start) + "roomkit" + out.slice(start + "partykit/server".length);
    }
    scan.rewrites.push({ file, text: out, replaced: starts.length });
    if (legacy.size > 0) scan.legacyTypes.push({ file: rel, names: [...legacy].sort() });
  }
  return scan;
}

/** Offsets of `partykit/server` inside `import("partykit/server")` types in the comment at [start, end). */
function jsdocImports(text: string, start: number, end: number): number[] {
  const offsets: number[] = [];
  const pattern = /import\(\s*["']partykit\/server["']\s*\)/g;
  for (const m of text.slice(start, end).matchAll(pattern)) offsets.push(start + m.index + m[0].indexOf("partykit/server"));
  return offsets;
}

/** The module specifier literal of an import/export/`import()`/`import("x").T` node. */
function moduleSource(node: t.Node): t.StringLiteral | undefined {
  switch (node.type) {
    case "ImportDeclaration":
    case "ExportAllDeclaration":
      return node.source;
    case "ExportNamedDeclaration":
      return node.source ?? undefined;
    case "TSImportType": {
      const arg = (node as unknown as { argument: t.Node }).argument;
      if (arg?.type === "StringLiteral") return arg;
      if (arg?.type === "TSLiteralType" && arg.literal.type === "StringLiteral") return arg.literal;
      return undefined;
    }
    case "TSExternalModuleReference":
      return node.expression;
    case "CallExpression":
      return node.callee.type === "Import" && node.arguments[0]?.type === "StringLiteral" ? node.arguments[0] : undefined;
    default:
      return undefined;
  }
}

function visit(node: t.Node, fn: (n: t.Node) => void): void {
  fn(node);
  for (const key of Object.keys(node) as (keyof t.Node)[]) {
    if (key === "loc" || key === "leadingComments" || key === "trailingComments" || key === "innerComments") continue;
    const v = node[key] as unknown;
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c === "object" && typeof (c as t.Node).type === "string") visit(c as t.Node, fn);
    } else if (v && typeof v === "object" && typeof (v as t.Node).type === "string") {
      visit(v as t.Node, fn);
    }
  }
}
