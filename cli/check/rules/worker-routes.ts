/**
 * createWorker({ party: Class }) agrees with the exports and bindings: no-worker, party-not-exported, not-a-party,
 * binding-mismatch, unrouted-party. Also records the routed parties (CheckResult.parties).
 * @module
 */
import { defaultBindingName, pascalCase } from "../../names.js";
import type { RuleContext } from "../types.js";

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
    warning("no-worker", ["entry"], `${entryName} has no export default createWorker({...}): party names and bindings cannot be cross-checked`);
  } else {
    const routed = new Set<string>();
    for (const p of entry.worker.parties) {
      if (p.inline) {
        error("party-not-exported", ["entry"], `${entryName}:${p.line}: party "${p.name}" is an inline ${p.expression.split("(")[0]}(...) call; Durable Object classes must be exported by name: export const ${pascalCase(p.name)} = ${p.expression} and use { ${p.name}: ${pascalCase(p.name)} }`);
        continue;
      }
      if (!p.exportName) {
        error("party-not-exported", ["entry"], `${entryName}:${p.line}: createWorker({ ${p.name}: ${p.expression} }): ${p.expression} is not exported by ${entryName}, so wrangler cannot bind it: export it (export const ${p.expression} = party(...))`);
        continue;
      }
      routed.add(p.exportName);
      const info = exported.get(p.exportName)!;
      if (info.kind !== "party" && info.kind !== "external") {
        error("not-a-party", ["entry"], `${entryName}:${p.line}: createWorker({ ${p.name}: ${p.exportName} }): ${p.exportName} is not made by party(): write export const ${p.exportName} = party(YourServer)`);
        continue;
      }
      const expected = info.binding ?? defaultBindingName(p.name);
      parties.push({ party: p.name, className: p.exportName, binding: expected });
      const byName = localBindings.find((b) => b.name === expected);
      const ofClass = localBindings.filter((b) => b.className === p.exportName);
      if (byName && byName.className !== p.exportName) {
        error("binding-mismatch", ["entry", "bindings"], `${cfg}: binding "${expected}" uses class_name "${byName.className}", but party "${p.name}" (createWorker) is class "${p.exportName}": set class_name = "${p.exportName}"`);
      } else if (!byName && ofClass.length > 0) {
        const actual = ofClass[0]!.name;
        error(
          "binding-mismatch",
          ["entry", "bindings"],
          `party "${p.name}" looks for binding "${expected}", but ${cfg} binds class "${p.exportName}" as "${actual}": rename the binding to "${expected}", or write party(${info.server ?? "YourServer"}, { binding: "${actual}" })`,
        );
      }
    }
    for (const [name, info] of exported) {
      if (info.kind === "party" && !routed.has(name) && !entry.worker.hasSpread) {
        warning("unrouted-party", ["entry"], `${info.file}:${info.line}: party class "${name}" is exported but createWorker() does not route to it: add ${name[0]!.toLowerCase() + name.slice(1)}: ${name} to createWorker({...})`);
      }
    }
  }
}
