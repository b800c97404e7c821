/**
 * createWorker({ party: Class }) agrees with the exports and bindings: no-worker, party-not-exported, not-a-party,
 * binding-mismatch, unrouted-party. Also records the routed parties (CheckResult.parties). A hand-written Worker
 * that routes through streams({ party }), defineRoutes({ parties }) or routeRoomkitRequest(…, { parties }) is
 * checked the same way.
 * @module
 */
import type { WorkerParty } from "../../entry.js";
import { defaultBindingName, pascalCase } from "../../names.js";
import type { RuleContext } from "../types.js";

/** How the routing call that names party `p` reads in the source, with `value` as its class. */
function written(p: WorkerParty, value: string): string {
  if (p.via === "streams") return `streams({ party: ${value} })`;
  if (p.via === "createWorker") return `createWorker({ ${p.name}: ${value} })`;
  return `${p.via}(${p.via === "routeRoomkitRequest" ? "…, " : ""}{ parties: { ${p.name}: ${value} } })`;
}

/**
 * createWorker({ party: Class }) agrees with the exports and bindings; records the routed parties.
 *
 * @example
 * ```ts
 * workerRoutes(ctx); // error binding-mismatch: party "main" looks for binding "MAIN", but wrangler.toml binds class "Main" as "ROOMS": ...
 * ```
 */
export function workerRoutes({ cfg, entry, entryName, exported, localBindings, parties, error, warning }: RuleContext): void {
  if (!entry.worker) {
    warning(
      "no-worker",
      ["entry"],
      `${entryName} has no export default createWorker({...}), and its default export routes through none of streams({ party }), defineRoutes({ parties }), routeRoomkitRequest(): party names and bindings cannot be cross-checked`,
    );
  } else {
    const routed = new Set<string>();
    for (const p of entry.worker.parties) {
      if (p.inline) {
        error(
          "party-not-exported",
          ["entry"],
          `${entryName}:${p.line}: party "${p.name}" is an inline ${p.expression.split("(")[0]}(...) call; Durable Object classes must be exported by name: export const ${pascalCase(p.name)} = ${p.expression} and use ${p.via === "createWorker" ? `{ ${p.name}: ${pascalCase(p.name)} }` : written(p, pascalCase(p.name))}`,
        );
        continue;
      }
      if (!p.exportName) {
        error(
          "party-not-exported",
          ["entry"],
          `${entryName}:${p.line}: ${written(p, p.expression)}: ${p.expression} is not exported by ${entryName}, so wrangler cannot bind it: export it (export const ${p.expression} = party(...))`,
        );
        continue;
      }
      routed.add(p.exportName);
      const info = exported.get(p.exportName)!;
      if (info.kind !== "party" && info.kind !== "external") {
        error(
          "not-a-party",
          ["entry"],
          `${entryName}:${p.line}: ${written(p, p.exportName)}: ${p.exportName} is not made by party(): write export const ${p.exportName} = party(YourServer)`,
        );
        continue;
      }
      const expected = p.binding ?? info.binding ?? defaultBindingName(p.name);
      parties.push({ party: p.name, className: p.exportName, binding: expected });
      const byName = localBindings.find((b) => b.name === expected);
      const ofClass = localBindings.filter((b) => b.className === p.exportName);
      if (byName && byName.className !== p.exportName) {
        error(
          "binding-mismatch",
          ["entry", "bindings"],
          `${cfg}: binding "${expected}" uses class_name "${byName.className}", but party "${p.name}" (${p.via}) is class "${p.exportName}": set class_name = "${p.exportName}"`,
        );
      } else if (!byName && ofClass.length > 0) {
        const actual = ofClass[0]!.name;
        error(
          "binding-mismatch",
          ["entry", "bindings"],
          `party "${p.name}" looks for binding "${expected}", but ${cfg} binds class "${p.exportName}" as "${actual}": rename the binding to "${expected}", or write ${p.binding ? `streams({ party: ${p.exportName}, binding: "${actual}" })` : `party(${info.server ?? "YourServer"}, { binding: "${actual}" })`}`,
        );
      }
    }
    // A hand-written fetch may route other parties by hand (env.X.idFromName), so only createWorker's map is complete.
    for (const [name, info] of exported) {
      if (info.kind === "party" && !routed.has(name) && !entry.worker.hasSpread && entry.worker.kind === "createWorker") {
        warning(
          "unrouted-party",
          ["entry"],
          `${info.file}:${info.line}: party class "${name}" is exported but createWorker() does not route to it: add ${name[0]!.toLowerCase() + name.slice(1)}: ${name} to createWorker({...})`,
        );
      }
    }
  }
}
