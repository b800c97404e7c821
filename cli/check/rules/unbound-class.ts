/**
 * unbound-class: the entry exports a party or Durable Object class that no binding binds.
 * @module
 */
import type { EntryAnalysis } from "../../entry.js";
import { defaultBindingName } from "../../names.js";
import { isRoomClass, type RuleContext } from "../types.js";

/**
 * unbound-class: the entry exports a party or Durable Object class that no binding binds.
 *
 * @example
 * ```ts
 * unboundClass(ctx); // error unbound-class: src/index.ts:4 exports party class "Chat" but wrangler.toml does not bind it: add ...
 * ```
 */
export function unboundClass({ target: t, cfg, entry, exported, localBindings, error }: RuleContext): void {
  for (const [name, info] of exported) {
    if (!isRoomClass(info)) continue;
    if (localBindings.some((b) => b.className === name)) continue;
    const binding = info.binding ?? suggestedBinding(entry, name);
    error(
      "unbound-class",
      ["entry", "bindings"],
      `${info.file}:${info.line} exports ${info.kind === "party" ? "party" : "Durable Object"} class "${name}" but ${cfg} does not bind it${t.bindingsNote}: add ${t.bindingsTable} name = "${binding}" class_name = "${name}"`,
    );
  }
}

/** The binding to suggest for an unbound class: the one createWorker() expects if it routes the class. */
function suggestedBinding(entry: EntryAnalysis, className: string): string {
  const routed = entry.worker?.parties.find((p) => p.exportName === className);
  if (routed) return routed.binding ?? entry.exports.get(className)?.binding ?? defaultBindingName(routed.name);
  return defaultBindingName(className);
}
