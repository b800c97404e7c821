/**
 * Who a connection is in a game room — player, spectator, or on its way out —
 * kept in the connection's state so it survives hibernation, and the small
 * helpers that answer a connection without ever throwing.
 * @module
 */
import { closeQuietly } from "../errors.js";
import type { Connection, Room } from "../types.js";
import type { ControlMessage, Role } from "./protocol.js";
import { sendQuietly } from "../sockets.js";

/** What a connection's `state` holds in a game room (the room owns it). */
export type GameConnectionState =
  | { role: "player"; player: string }
  | { role: "spectator"; player: string }
  | { role: "replaced" | "refused"; player?: string };

/** A connection that is in the game: a player (with their public id) or a spectator. */
export type MemberState = { role: Role; player: string };

/**
 * The member a connection is, or undefined when it is refused, replaced or not a member yet.
 *
 * @example
 * ```ts
 * const who = memberState(conn);
 * if (!who) return; // replaced or refused: on its way out
 * if (who.role === "player") console.log(who.player);
 * ```
 */
export function memberState(conn: Connection): MemberState | undefined {
  const s = conn.state as GameConnectionState | null;
  if (!s || (s.role !== "player" && s.role !== "spectator")) return undefined;
  return s;
}

/**
 * Open connections of `room` that are members (players, spectators, or on
 * their way out): those whose state the game room set.
 *
 * @example
 * ```ts
 * for (const conn of members(room)) if (conn.state.role === "player") count++;
 * ```
 */
export function* members(room: Room): Iterable<Connection<GameConnectionState> & { state: GameConnectionState }> {
  for (const conn of room.getConnections<GameConnectionState>()) {
    if (conn.state && typeof conn.state === "object" && "role" in conn.state) yield conn as never;
  }
}

/**
 * How many spectators are connected to `room`.
 *
 * @example
 * ```ts
 * if (spectatorCount(room) >= maxSpectators) refuse(conn, GameCloseCode.RoomFull, "Room is full.");
 * ```
 */
export function spectatorCount(room: Room): number {
  let n = 0;
  for (const conn of members(room)) if (conn.state.role === "spectator") n++;
  return n;
}

/**
 * Turns a connection away: a `refused` message, then the close code and reason.
 *
 * @example
 * ```ts
 * if (seatsTaken >= maxPlayers) return refuse(conn, GameCloseCode.RoomFull, "Room is full: all 4 seats are taken.");
 * ```
 */
export function refuse(conn: Connection, code: number, reason: string): void {
  mark(conn, { role: "refused" });
  sendQuietly(conn, JSON.stringify({ type: "refused", code, reason } satisfies ControlMessage));
  closeQuietly(conn, code, reason);
}

/**
 * Tells one connection that its message was rejected, and why.
 *
 * @example
 * ```ts
 * invalid(conn, "seq must be a positive integer.", 0); // {"type":"invalid","seq":0,"reason":...}
 * ```
 */
export function invalid(conn: Connection, reason: string, seq?: number): void {
  sendQuietly(conn, JSON.stringify(seq === undefined ? { type: "invalid", reason } : { type: "invalid", seq, reason }));
}

/**
 * Sets a connection's role, even on a socket that is closing (where storing state may fail).
 *
 * @example
 * ```ts
 * mark(conn, { role: "refused" }); // its later frames and its close are ignored
 * ```
 */
export function mark(conn: Connection, state: GameConnectionState): void {
  try {
    conn.setState(state);
  } catch {
    // A closed socket gets no further events anyway.
  }
}
