/**
 * pending-delete: the newest migration deletes a class and all its rooms (an error unless --allow-delete names it).
 * @module
 */
import type { RuleContext } from "../types.js";

/**
 * pending-delete: the newest migration deletes a class and all its rooms (an error unless --allow-delete names it).
 *
 * @example
 * ```ts
 * pendingDelete(ctx); // error pending-delete: wrangler.toml: migration "v2" deletes class "Old" and every room stored in it, permanently: ...
 * ```
 */
export function pendingDelete({ cfg, options, pendingDeletes, error, warning }: RuleContext): void {
  const allowed = new Set(options.allowDelete ?? []);
  for (const d of pendingDeletes) {
    if (allowed.has(d.className)) {
      warning(
        "pending-delete",
        ["migrations"],
        `${cfg}: migration "${d.tag}" deletes class "${d.className}" and every room stored in it (allowed by --allow-delete)`,
      );
    } else {
      error(
        "pending-delete",
        ["migrations"],
        `${cfg}: migration "${d.tag}" deletes class "${d.className}" and every room stored in it, permanently: if that is intended, run again with --allow-delete ${d.className}; otherwise remove "${d.className}" from deleted_classes`,
      );
    }
  }
}
