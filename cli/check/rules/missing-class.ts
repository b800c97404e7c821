/**
 * missing-class: a binding names a class the entry does not export.
 * @module
 */
import type { RuleContext } from "../types.js";

/**
 * missing-class: a binding names a class the entry does not export.
 *
 * @example
 * ```ts
 * missingClass(ctx); // error missing-class: binding "MAIN" uses class_name "Main", which src/index.ts does not export: ...
 * ```
 */
export function missingClass({ cfg, entry, entryName, exported, localBindings, error, warning }: RuleContext): void {
  for (const b of localBindings) {
    if (exported.has(b.className)) continue;
    const message = `${cfg}: binding "${b.name}" uses class_name "${b.className}", which ${entryName} does not export: export it (export const ${b.className} = party(YourServer)) or remove the binding`;
    if (entry.opaqueExports) warning("missing-class", ["bindings", "entry"], `${message} (not certain: ${entryName} re-exports a package with export *)`);
    else error("missing-class", ["bindings", "entry"], message);
  }
}
