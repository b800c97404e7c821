/**
 * orphaned-class: a class the migrations keep alive (with its stored rooms) that the entry no longer exports.
 * @module
 */
import type { RuleContext } from "../types.js";

/**
 * orphaned-class: a class the migrations keep alive (with its stored rooms) that the entry no longer exports.
 *
 * @example
 * ```ts
 * orphanedClass(ctx); // error orphaned-class: wrangler.toml: class "Old" (created by migration "v1") may hold stored rooms, ...
 * ```
 */
export function orphanedClass({ cfg, entry, entryName, exported, live, error }: RuleContext): void {
  for (const [c, state] of live) {
    if (exported.has(c) || entry.opaqueExports) continue;
    error(
      "orphaned-class",
      ["migrations", "entry"],
      `${cfg}: class "${c}" (created by migration "${state.tag}") may hold stored rooms, but ${entryName} no longer exports it and Cloudflare refuses such a deploy: export it again, rename it (renamed_classes = [{ from = "${c}", to = "NewName" }]), or delete its data on purpose (deleted_classes = ["${c}"] in a new migration, then roomkit deploy --allow-delete ${c})`,
    );
  }
}
