/**
 * missing-migration and deleted-but-used: every bound or exported room class is created by a migration and not deleted by one.
 * @module
 */
import { isRoomClass, type RuleContext } from "../types.js";

/**
 * missing-migration and deleted-but-used: every bound or exported room class is created by a migration and not deleted by one.
 *
 * @example
 * ```ts
 * classMigrations(ctx); // error missing-migration: wrangler.toml: class "Chat" has no migration: add [[migrations]] tag = "v2" ...
 * ```
 */
export function classMigrations({ target: t, cfg, entryName, exported, localBindings, live, nextTag, error }: RuleContext): void {
  const needMigration = new Set<string>([...localBindings.map((b) => b.className), ...[...exported].filter(([, e]) => isRoomClass(e)).map(([n]) => n)]);
  for (const c of needMigration) {
    if (live.has(c)) continue;
    if (t.migrations.some((m) => m.deletedClasses.includes(c))) {
      const bound = localBindings.find((b) => b.className === c);
      error(
        "deleted-but-used",
        ["migrations", bound ? "bindings" : "entry"],
        `${cfg}: class "${c}" is deleted by a migration but still ${bound ? `bound as "${bound.name}"` : `exported by ${entryName}`}: remove it from deleted_classes, or stop using it`,
      );
      continue;
    }
    error(
      "missing-migration",
      ["migrations", exported.has(c) ? "entry" : "bindings"],
      `${cfg}: class "${c}" has no migration: add ${t.migrationsTable} tag = "${nextTag}" new_sqlite_classes = ["${c}"]`,
    );
  }
}
