/**
 * The types a game author's hooks receive besides the state (`JoinInfo` in
 * `onJoin`, `StepContext` in `step`) and the shape of `GameRoom.stats()`.
 * @module
 */
import type { Request as PartyRequest } from "../types.js";
import type { QueueStats } from "./inputs.js";
import type { Random } from "./random.js";
import type { Seat } from "./seats.js";

/** Who is joining, as `onJoin` sees it. */
export type JoinInfo = {
  /** The player's public id (their key in the game state). */
  id: string;
  /** The query parameters the client connected with (e.g. `?name=Ada`): untrusted, validate them. */
  params: URLSearchParams;
  /** The WebSocket upgrade request. */
  request: PartyRequest;
};

/** What `step` gets besides the state and the inputs. */
export type StepContext = {
  /** The tick being computed (the first step of a room is tick 1). */
  tick: number;
  /** Deterministic randomness for this tick: same room seed and tick, same numbers. */
  random: Random;
  /** Public ids of the players holding a seat, in join order. */
  players: readonly string[];
  /** Whether that player is connected (false while they are away within the grace period). */
  connected(playerId: string): boolean;
};

/** A snapshot of the room's internals, for tests, dashboards and debugging. */
export type GameRoomStats = {
  tick: number;
  running: boolean;
  steps: number;
  droppedMs: number;
  spectators: number;
  patchFrames: number;
  patchBytes: number;
  fullFrames: number;
  fullBytes: number;
  stepErrors: number;
  players: (Pick<Seat, "id" | "connected" | "awaySince"> & QueueStats)[];
};
