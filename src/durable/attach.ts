/**
 * Wires `options.history` into a room: validates the option, creates the
 * room's {@link RoomHistory} and gives it a new log after `storage.deleteAll()`.
 * @module
 */
import { RoomkitError } from "../errors.js";
import { requireHooks } from "../room-hooks.js";
import type { HistoryOptions, Room, Server } from "../types.js";
import { RoomHistory } from "./history.js";
import { resolveRetention } from "./retention.js";

/**
 * Throws a RoomkitError for an invalid `options.history`, so a bad value fails when the party is defined.
 *
 * @example
 * ```ts
 * checkHistoryOption(Server.options?.history);
 * ```
 */
export function checkHistoryOption(option: HistoryOptions | boolean | undefined): void {
  resolveRetention(option);
}

/**
 * Gives `room` a history when `option` asks for one (no-op otherwise).
 *
 * @example
 * ```ts
 * attachHistory(room, ctx, { maxMessages: 500 }, server);
 * ```
 */
export function attachHistory(room: Room, ctx: DurableObjectState, option: HistoryOptions | boolean | undefined, server: Server): void {
  const retention = resolveRetention(option);
  if (!retention) return;
  const sql = sqlOf(ctx);
  if (!sql) {
    throw new RoomkitError("options.history needs a SQLite-backed Durable Object: declare the class under new_sqlite_classes in wrangler.toml.");
  }
  const history = new RoomHistory(sql, retention, server.historyState ? (conn) => server.historyState!(conn) : undefined);
  const hooks = requireHooks(room, "options.history");
  hooks.history = history;
  hooks.onStorageReset(() => history.reset());
}

/** The object's SQL API, or undefined in a key-value-backed object (which may expose `sql`; using it throws). */
function sqlOf(ctx: DurableObjectState): SqlStorage | undefined {
  try {
    return ctx.storage.sql.databaseSize >= 0 ? ctx.storage.sql : undefined;
  } catch {
    return undefined;
  }
}
