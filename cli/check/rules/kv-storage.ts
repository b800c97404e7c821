/**
 * kv-storage: a room class created with the key-value backend (new_classes) instead of SQLite.
 * @module
 */
import type { RuleContext } from "../types.js";

/**
 * kv-storage: a room class created with the key-value backend (new_classes) instead of SQLite.
 *
 * @example
 * ```ts
 * kvStorage(ctx); // error kv-storage: wrangler.toml: class "Main" uses the key-value storage backend ...
 * ```
 */
export function kvStorage({ cfg, exported, live, error, warning }: RuleContext): void {
  for (const [c, state] of live) {
    if (state.sqlite !== false) continue;
    const message = `${cfg}: class "${c}" uses the key-value storage backend (new_classes in migration "${state.tag}"); roomkit rooms need SQLite storage: use new_sqlite_classes = ["${c}"] (a class already deployed with new_classes cannot be converted: create a new class and move its rooms)`;
    if (exported.get(c)?.kind === "party" || !exported.has(c)) error("kv-storage", ["migrations", "entry"], message);
    else warning("kv-storage", ["migrations", "entry"], message);
  }
}
