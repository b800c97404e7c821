/**
 * The game room's wire protocol: JSON text frames. The two frames sent many
 * times a second are arrays (no field names to repeat); everything else is an
 * object with a `type`. Shared by the room and `roomkit/game/client`.
 *
 * Client → room:
 * - `[seq, input]` — an input; `seq` counts up from 1.
 * - `{"type":"leave"}` — give up the seat now (no grace period).
 * - `{"type":"ping","t":<any number>}` — answered with `pong` carrying the same `t`.
 * - any other `{"type":...}` — handed to the room's `onCustomMessage`.
 *
 * Room → client:
 * - `[tick, ack, patch?]` — a patch frame: the simulation tick it reflects, the
 *   receiver's last processed input `seq` (0 for spectators), and a JSON Merge
 *   Patch of the receiver's view (absent when only the ack moved).
 * - `{"type":"welcome", ...}`, `{"type":"state", ...}` (a full view), seat
 *   events (`joined`, `disconnected`, `reconnected`, `left`), `invalid`,
 *   `throttled`, `refused`, `pong`, `event` (the room's own messages).
 * @module
 */
import type { JsonValue, Patch } from "./patch.js";

/** Whether a connection plays or watches. */
export type Role = "player" | "spectator";

/** Why a seat was freed. */
export type LeaveReason = "left" | "timeout" | "removed";

/** Close codes the game room uses (4000–4999 are application codes; 1008 is the rate limit). */
export const GameCloseCode = {
  /** Every seat is taken (or every spectator slot). The reason says which. */
  RoomFull: 4001,
  /** Another connection with the same id took this seat over (e.g. a second tab). */
  Replaced: 4002,
  /** The connection has no seat any more (its seat was freed while it was away). */
  NoSeat: 4003,
  /** The room's `onJoin` refused the player (e.g. the match has started). */
  JoinRefused: 4004,
  /**
   * The player left with `{"type":"leave"}`. Not 1000: a normal close (a
   * server restart, a client's own reconnect) must not stop a client from
   * reconnecting, while a leave must.
   */
  Left: 4000,
  /** Too many messages (`inputRate.onExceed: "close"`, or the party's hard limit). */
  RateLimited: 1008,
} as const;

/** The first message on every accepted connection. */
export type WelcomeMessage<V = JsonValue> = {
  type: "welcome";
  /** This connection's id: the player id for players. */
  id: string;
  role: Role;
  /** True when a player got their seat back within the grace period. */
  reconnected: boolean;
  tickRate: number;
  patchRate: number;
  /** The tick `state` reflects. */
  tick: number;
  /** The last processed input seq of this player (continue numbering after it). */
  ack: number;
  /** The full view. */
  state: V;
  /** Player ids holding a seat, in join order, with whether each is connected. */
  players: { id: string; connected: boolean }[];
  maxPlayers: number;
};

/** A full view, sent when a client's copy cannot be patched (e.g. after the room woke up). */
export type StateMessage<V = JsonValue> = { type: "state"; tick: number; ack: number; state: V };

/** Seat events, told to everyone else in the room. */
export type SeatEvent =
  | { type: "joined"; id: string }
  | { type: "disconnected"; id: string; graceMs: number }
  | { type: "reconnected"; id: string }
  | { type: "left"; id: string; reason: LeaveReason };

/** Messages that are not patch frames. */
export type ControlMessage<V = JsonValue> =
  | WelcomeMessage<V>
  | StateMessage<V>
  | SeatEvent
  | { type: "invalid"; seq?: number; reason: string }
  | { type: "throttled"; reason: string }
  | { type: "refused"; code: number; reason: string }
  | { type: "pong"; t: number; tick: number }
  | { type: "event"; event: JsonValue };

/** A patch frame: `[tick, ack]` or `[tick, ack, patch]`. */
export type PatchFrame = [tick: number, ack: number, patch?: Patch];

/**
 * Encodes a patch frame; `patchJson` is the already-serialized patch, shared between recipients.
 *
 * @example
 * ```ts
 * encodePatchFrame(42, 7, undefined);     // "[42,7]": only the ack moved
 * encodePatchFrame(42, 7, '{"score":3}');   // "[42,7,{\"score\":3}]"
 * ```
 */
export function encodePatchFrame(tick: number, ack: number, patchJson: string | undefined): string {
  return patchJson === undefined ? `[${tick},${ack}]` : `[${tick},${ack},${patchJson}]`;
}

/** Largest accepted input sequence number. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
