/**
 * A game room's options: what each one means, its default, and the checks
 * that turn a nonsensical value into a clear error when the room is created.
 * @module
 */
import { RoomkitError } from "../errors.js";
import { systemClock, type Clock } from "./clock.js";
import type { LobbyTarget } from "./lobby-reporter.js";
import { definedOnly } from "../defined.js";

/** Options of a {@link GameRoom}, passed to its constructor. Every one has a default. */
export type GameRoomOptions = {
  /** Simulation steps per second. Default 30. */
  tickRate?: number;
  /** State patches sent per second (at most `tickRate`); only sent when something changed. Default 20. */
  patchRate?: number;
  /** Most steps one frame runs to catch up after a stall; the rest of the backlog is dropped. Default 5. */
  maxStepsPerFrame?: number;
  /** Seats. A player beyond them is refused with close code 4001. Default 8. */
  maxPlayers?: number;
  /** Spectator places (`?spectate=1`). One more is refused with 4001. Default 32. */
  maxSpectators?: number;
  /** How long a dropped player's seat is kept for them, in ms. 0 frees it at once. Default 20 000. */
  reconnectGraceMs?: number;
  /** How often the state is saved while the loop runs, in ms. Default 10 000. */
  saveEveryMs?: number;
  /** Inputs of one player applied per tick. Default 1 (one input per client frame, at the tick rate). */
  maxInputsPerTick?: number;
  /** Inputs of one player waiting for a tick; beyond it the oldest are dropped. Default 8. */
  maxQueuedInputs?: number;
  /** Per-connection message budget (a token bucket). */
  inputRate?: {
    /** Sustained messages per second. Default 60. */
    perSecond?: number;
    /** Messages allowed in a burst. Default 60. */
    burst?: number;
    /** `"drop"` ignores excess messages (telling the client once a second); `"close"` disconnects with 1008. Default `"drop"`. */
    onExceed?: "drop" | "close";
  };
  /** The lobby to report to (`{ party: "lobby", room: "main" }`), or false. Default false. */
  lobby?: LobbyTarget | false;
  /** How often a running room refreshes its lobby entry, in ms. Default 60 000. */
  lobbyHeartbeatMs?: number;
  /** Where time comes from. Default: `Date.now` and `setInterval`. Tests pass a `ManualClock`. */
  clock?: Clock;
};

export type ResolvedOptions = Required<Omit<GameRoomOptions, "inputRate" | "lobby">> & {
  inputRate: Required<NonNullable<GameRoomOptions["inputRate"]>>;
  lobby: Required<LobbyTarget> | false;
};

const DEFAULTS = {
  tickRate: 30,
  patchRate: 20,
  maxStepsPerFrame: 5,
  maxPlayers: 8,
  maxSpectators: 32,
  reconnectGraceMs: 20_000,
  saveEveryMs: 10_000,
  maxInputsPerTick: 1,
  maxQueuedInputs: 8,
  lobbyHeartbeatMs: 60_000,
} as const;

/**
 * Fills in every default and checks each value; throws a RoomkitError naming the first option that makes no sense.
 *
 * @example
 * ```ts
 * const o = resolveOptions({ tickRate: 60 });
 * o.patchRate; // 20, the default
 * ```
 */
export function resolveOptions(o: GameRoomOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    ...DEFAULTS,
    ...definedOnly(o),
    clock: o.clock ?? systemClock,
    inputRate: { perSecond: 60, onExceed: "drop", ...definedOnly(o.inputRate ?? {}), burst: o.inputRate?.burst ?? o.inputRate?.perSecond ?? 60 },
    lobby: o.lobby ? { room: "main", ...o.lobby } : false,
  } as ResolvedOptions;
  const positive = (name: string, v: number, integer = false) => {
    if (!(typeof v === "number" && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
      throw new RoomkitError(`GameRoom option ${name} must be a positive ${integer ? "integer" : "number"}, got ${String(v)}.`);
    }
  };
  positive("tickRate", r.tickRate);
  positive("patchRate", r.patchRate);
  if (r.patchRate > r.tickRate) throw new RoomkitError(`GameRoom option patchRate (${r.patchRate}) cannot exceed tickRate (${r.tickRate}).`);
  for (const k of ["maxStepsPerFrame", "maxPlayers", "maxSpectators", "maxInputsPerTick", "maxQueuedInputs"] as const) positive(k, r[k], true);
  positive("saveEveryMs", r.saveEveryMs);
  positive("lobbyHeartbeatMs", r.lobbyHeartbeatMs);
  if (!(Number.isFinite(r.reconnectGraceMs) && r.reconnectGraceMs >= 0)) {
    throw new RoomkitError(`GameRoom option reconnectGraceMs must be 0 or more milliseconds, got ${String(r.reconnectGraceMs)}.`);
  }
  positive("inputRate.perSecond", r.inputRate.perSecond);
  positive("inputRate.burst", r.inputRate.burst);
  if (r.inputRate.onExceed !== "drop" && r.inputRate.onExceed !== "close") {
    throw new RoomkitError(`GameRoom option inputRate.onExceed must be "drop" or "close", got ${String(r.inputRate.onExceed)}.`);
  }
  if (r.lobby && (typeof r.lobby.party !== "string" || r.lobby.party === "")) {
    throw new RoomkitError('GameRoom option lobby must name the lobby party: { party: "lobby", room: "main" }.');
  }
  return r;
}
