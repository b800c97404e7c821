/**
 * The migration history, replayed in order: which classes it leaves alive
 * (and with which storage backend), which deletions are still pending, and
 * the tag a new migration gets. Inconsistent histories are findings.
 * @module
 */
import type { Migration } from "../wrangler-config.js";
import type { ClassState, RuleContext, Target } from "./types.js";

/**
 * The tag to suggest for a new migration: `v<n+1>` when tags are `v1`, `v2`, ...
 *
 * @example
 * ```ts
 * nextMigrationTag([{ tag: "v1", ... }]); // "v2"
 * ```
 */
export function nextMigrationTag(migrations: readonly Migration[]): string {
  const tags = new Set(migrations.map((m) => m.tag));
  const numbers = migrations
    .map((m) => /^v(\d+)$/.exec(m.tag)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  let n = Math.max(migrations.length, ...numbers) + 1;
  while (tags.has(`v${n}`)) n++;
  return `v${n}`;
}

/**
 * Replays `t.migrations`, reporting duplicate tags and classes and renames or
 * deletions of unknown classes (codes duplicate-tag, duplicate-class, unknown-class).
 *
 * @example
 * ```ts
 * const { live, pendingDeletes } = replayMigrations(target, cfg, error);
 * ```
 */
export function replayMigrations(
  t: Target,
  cfg: string,
  error: RuleContext["error"],
): { live: Map<string, ClassState>; pendingDeletes: { className: string; tag: string }[] } {
  const live = new Map<string, ClassState>();
  const tags = new Set<string>();
  const pendingDeletes: { className: string; tag: string }[] = [];
  t.migrations.forEach((m, i) => {
    if (tags.has(m.tag))
      error("duplicate-tag", ["migrations"], `${cfg}: migration tag "${m.tag}" is used twice: every ${t.migrationsTable} entry needs its own tag`);
    tags.add(m.tag);
    const create = (c: string, sqlite: boolean | undefined) => {
      if (live.has(c))
        error(
          "duplicate-class",
          ["migrations"],
          `${cfg}: migration "${m.tag}" creates class "${c}", which migration "${live.get(c)!.tag}" already created: remove it from migration "${m.tag}"`,
        );
      live.set(c, { tag: m.tag, sqlite });
    };
    m.newSqliteClasses.forEach((c) => create(c, true));
    m.newClasses.forEach((c) => create(c, false));
    for (const t of m.transferredClasses) create(t.to, undefined);
    for (const r of m.renamedClasses) {
      const from = live.get(r.from);
      if (!from) {
        error(
          "unknown-class",
          ["migrations"],
          `${cfg}: migration "${m.tag}" renames class "${r.from}", which no earlier migration creates: fix the "from" name`,
        );
        continue;
      }
      live.delete(r.from);
      live.set(r.to, { tag: m.tag, sqlite: from.sqlite });
    }
    for (const c of m.deletedClasses) {
      if (!live.delete(c)) {
        error(
          "unknown-class",
          ["migrations"],
          `${cfg}: migration "${m.tag}" deletes class "${c}", which no earlier migration creates: remove it from deleted_classes`,
        );
        continue;
      }
      // Only the newest migration can still be unapplied: older ones ran on an earlier deploy.
      if (i === t.migrations.length - 1) pendingDeletes.push({ className: c, tag: m.tag });
    }
  });
  return { live, pendingDeletes };
}
