/**
 * The party map of `export default createWorker({...})`: which party name
 * routes to which exported class, and whether the map can be read at all.
 * @module
 */
import type * as t from "@babel/types";
import { isCallTo, type ModuleInfo } from "./module.js";
import { propertyKey, unwrap } from "./source.js";

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

/** `export default createWorker({...})`, as read from the entry. */
export type WorkerMap = { line: number; parties: WorkerParty[]; hasSpread: boolean; object?: t.ObjectExpression };

/**
 * The entry's `createWorker({...})` party map, or undefined if its default export is something else.
 *
 * @example
 * ```ts
 * findWorker(mod)?.parties; // [{ name: "main", exportName: "Main", expression: "Main", inline: false, line: 5 }]
 * ```
 */
export function findWorker(mod: ModuleInfo): WorkerMap | undefined {
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

