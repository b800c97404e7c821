/**
 * Whether one of roomkit's own tables exists in an object's SQLite database.
 *
 * One statement text for every caller on purpose: workerd keeps each distinct
 * statement an object has run prepared (1.5–5 KiB of SQLite memory each) for
 * as long as the object is in memory, so two modules asking the same question
 * in two spellings cost every room a statement more.
 * @module
 */

/**
 * Whether the table `name` exists.
 *
 * @example
 * ```ts
 * if (!tableExists(ctx.storage.sql, "_roomkit_timers")) return; // nothing was ever scheduled
 * ```
 */
export function tableExists(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}
