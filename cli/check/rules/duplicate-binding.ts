/**
 * duplicate-binding: two Durable Object bindings with one name.
 * @module
 */
import type { RuleContext } from "../types.js";

/**
 * duplicate-binding: two Durable Object bindings with one name.
 *
 * @example
 * ```ts
 * duplicateBinding(ctx); // error duplicate-binding: two Durable Object bindings are named "MAIN": rename one
 * ```
 */
export function duplicateBinding({ target: t, cfg, error }: RuleContext): void {
  const seenBindings = new Set<string>();
  for (const b of t.bindings) {
    if (seenBindings.has(b.name)) error("duplicate-binding", ["bindings"], `${cfg}: two Durable Object bindings are named "${b.name}": rename one`);
    seenBindings.add(b.name);
  }
}
