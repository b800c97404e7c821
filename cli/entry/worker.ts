/**
 * The party map of the entry's Worker: which party name routes to which
 * exported class, and whether the map can be read at all. Read from
 * `export default createWorker({...})`, or, for a hand-written default export
 * (`export default { fetch }`), from the `streams({ party })`,
 * `defineRoutes({ parties })` and `routeRoomkitRequest(…, { parties })` calls
 * of the module (see ./fetch-routes.ts).
 * @module
 */
import type * as t from "@babel/types";
import { fetchRoutes } from "./fetch-routes.js";
import { isCallTo, type ModuleInfo } from "./module.js";
import { propertyKey, unwrap } from "./source.js";

/** The call that routes a party: it names the party in messages. */
export type RouteCall = "createWorker" | "defineRoutes" | "routeRoomkitRequest" | "streams";

/** A `name: Class` entry of `createWorker({...})` (or of the routes of a hand-written Worker). */
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
  /** The call that routes it. */
  via: RouteCall;
  /** A binding the call names itself (`streams({ party, binding })`), which wins over the class's. */
  binding?: string;
};

/**
 * The entry's Worker, as read from the entry: `createWorker` when it is `export default createWorker({...})`,
 * `fetch` when it is a hand-written default export that routes through roomkit's routing calls.
 */
export type WorkerMap = { kind: "createWorker" | "fetch"; line: number; parties: WorkerParty[]; hasSpread: boolean; object?: t.ObjectExpression };

/**
 * The entry's Worker party map, or undefined if its default export neither is `createWorker({...})`
 * nor routes through `streams(...)`, `defineRoutes(...)` or `routeRoomkitRequest(...)`.
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
  if (local?.kind !== "worker") return fetchRoutes(mod);
  const objectArg = unwrap(local.call.arguments[0] as t.Expression | undefined);
  if (objectArg?.type !== "ObjectExpression") return { kind: "createWorker", line: local.line, parties: [], hasSpread: true };
  const { parties, hasSpread } = partyMap(mod, objectArg, "createWorker", local.line);
  return { kind: "createWorker", line: local.line, parties, hasSpread, object: objectArg };
}

/**
 * The parties of a `{ name: Class, ... }` literal routed by `via`; `hasSpread` when some entry cannot be read.
 *
 * @example
 * ```ts
 * partyMap(mod, objectArg, "createWorker", 5).parties; // [{ name: "main", exportName: "Main", ... }]
 * ```
 */
export function partyMap(mod: ModuleInfo, objectArg: t.ObjectExpression, via: RouteCall, fallbackLine: number): { parties: WorkerParty[]; hasSpread: boolean } {
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
    parties.push(routedParty(mod, name, p.value as t.Expression, via, p.loc?.start.line ?? fallbackLine));
  }
  return { parties, hasSpread };
}

/**
 * Party `name`, routed by `via` to the class expression `node`.
 *
 * @example
 * ```ts
 * routedParty(mod, "streams", node, "streams", 9); // { name: "streams", exportName: "Streams", expression: "Streams", inline: false, line: 9, via: "streams" }
 * ```
 */
export function routedParty(mod: ModuleInfo, name: string, node: t.Expression, via: RouteCall, line: number): WorkerParty {
  const value = unwrap(node);
  const expression = value && value.start != null && value.end != null ? mod.text.slice(value.start, value.end) : "?";
  if (value?.type === "Identifier") return { name, exportName: exportedAs(mod, value.name), expression, inline: false, line, via };
  const inline = value?.type === "CallExpression" && isCallTo(mod, value, mod.partyNames, "party");
  return { name, expression, inline, line, via };
}

/** The name under which the module exports local `local`: parties are reported by the class name wrangler.toml must bind. */
function exportedAs(mod: ModuleInfo, local: string): string | undefined {
  for (const [name, r] of mod.exports) if (!("from" in r) && r.local === local) return name;
  return undefined;
}
