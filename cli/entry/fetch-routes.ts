/**
 * The parties a hand-written Worker (`export default { fetch }`) routes
 * through roomkit's routing calls: `streams({ party: X })` from
 * roomkit/streams (party "streams"), `defineRoutes({ parties: {...} })` and
 * `routeRoomkitRequest(request, env, ctx, routes)` from roomkit. The calls may
 * sit anywhere in the module (top level or inside `fetch`).
 * @module
 */
import type * as t from "@babel/types";
import type { ModuleInfo } from "./module.js";
import { literalProperty, propertyKey, unwrap } from "./source.js";
import { partyMap, routedParty, type RouteCall, type WorkerMap, type WorkerParty } from "./worker.js";

/**
 * The Worker map of a module whose default export is not `createWorker(...)`, or undefined if it calls none of
 * `streams`, `defineRoutes` and `routeRoomkitRequest`.
 *
 * @example
 * ```ts
 * // const serve = streams({ party: Streams }); export default { fetch: (r, e, c) => serve(r, e, c) }
 * fetchRoutes(mod)?.parties; // [{ name: "streams", exportName: "Streams", via: "streams", ... }]
 * ```
 */
export function fetchRoutes(mod: ModuleInfo): WorkerMap | undefined {
  const names = routeNames(mod);
  const parties: WorkerParty[] = [];
  let hasSpread = false;
  let found = false;
  let line = 0;
  const read = (routes: t.Node | undefined, via: RouteCall, at: number) => {
    const obj = unwrap(routes);
    const map = obj?.type === "ObjectExpression" ? objectProperty(obj, "parties") : undefined;
    if (map?.type !== "ObjectExpression") return void (hasSpread = true);
    const r = partyMap(mod, map, via, at);
    parties.push(...r.parties);
    hasSpread ||= r.hasSpread;
  };
  walk(mod.program, (call) => {
    const via = routeCall(mod, call, names);
    if (!via) return;
    const at = call.loc?.start.line ?? 0;
    if (!found) line = at;
    found = true;
    const [first, , , fourth] = call.arguments;
    if (via === "defineRoutes") return read(first, via, at);
    if (via === "routeRoomkitRequest") {
      const routes = unwrap(fourth);
      // A name bound to defineRoutes(...) is read at that call; a name bound to a literal is read here.
      if (routes?.type === "Identifier") {
        const init = topLevelInit(mod, routes.name);
        if (init?.type === "CallExpression" && routeCall(mod, init, names) === "defineRoutes") return;
        return read(init, via, at);
      }
      return read(routes, via, at);
    }
    const options = unwrap(first);
    const party = options?.type === "ObjectExpression" ? objectProperty(options, "party") : undefined;
    if (!party) return void (hasSpread = true);
    parties.push({ ...routedParty(mod, "streams", party, via, at), binding: literalProperty(options, "binding") });
  });
  return found ? { kind: "fetch", line, parties, hasSpread } : undefined;
}

/** The local names (and namespace members) of the routing calls: imports of them, under any alias. */
function routeNames(mod: ModuleInfo): Map<string, RouteCall> {
  const names = new Map<string, RouteCall>([
    ["defineRoutes", "defineRoutes"],
    ["routeRoomkitRequest", "routeRoomkitRequest"],
  ]);
  for (const [local, l] of mod.locals) {
    if (l.kind !== "import") continue;
    if (l.imported === "defineRoutes" || l.imported === "routeRoomkitRequest") names.set(local, l.imported);
    // `streams` is a common word: only roomkit's counts.
    if (l.imported === "streams" && l.from === "roomkit/streams") names.set(local, "streams");
  }
  return names;
}

function routeCall(mod: ModuleInfo, call: t.CallExpression, names: Map<string, RouteCall>): RouteCall | undefined {
  const c = call.callee;
  if (c.type === "Identifier") return names.get(c.name);
  if (c.type !== "MemberExpression" || c.object.type !== "Identifier" || c.property.type !== "Identifier") return undefined;
  const ns = mod.locals.get(c.object.name);
  if (!mod.namespaces.has(c.object.name) || ns?.kind !== "import") return undefined;
  const member = c.property.name;
  if (member === "streams") return ns.from === "roomkit/streams" ? "streams" : undefined;
  return member === "defineRoutes" || member === "routeRoomkitRequest" ? member : undefined;
}

function objectProperty(obj: t.ObjectExpression, key: string): t.Expression | undefined {
  for (const p of obj.properties) if (p.type === "ObjectProperty" && propertyKey(p) === key) return unwrap(p.value as t.Expression);
  return undefined;
}

function topLevelInit(mod: ModuleInfo, name: string): t.Expression | undefined {
  for (const stmt of mod.program.body) {
    const decl = stmt.type === "ExportNamedDeclaration" ? stmt.declaration : stmt;
    if (decl?.type !== "VariableDeclaration") continue;
    for (const d of decl.declarations) if (d.id.type === "Identifier" && d.id.name === name) return unwrap(d.init ?? undefined);
  }
  return undefined;
}

/** Calls `visit` on every call expression of the tree, in source order. */
function walk(node: t.Node, visit: (call: t.CallExpression) => void): void {
  if (node.type === "CallExpression") visit(node);
  for (const key of Object.keys(node) as (keyof t.Node)[]) {
    if (key === "loc" || key === "leadingComments" || key === "trailingComments" || key === "innerComments" || key === "extra") continue;
    const v = node[key] as unknown;
    if (Array.isArray(v)) {
      for (const child of v) if (child && typeof child === "object" && typeof (child as t.Node).type === "string") walk(child as t.Node, visit);
    } else if (v && typeof v === "object" && typeof (v as t.Node).type === "string") {
      walk(v as t.Node, visit);
    }
  }
}
