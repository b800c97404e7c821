/**
 * `roomkit/game`: authoritative game rooms with a fixed-timestep loop, seats
 * with reconnection, state sync by patches, and a lobby with quick join.
 * The browser side is `roomkit/game/client`.
 *
 * @example
 * import { createWorker, party } from "roomkit";
 * import { GameRoom, GameLobby } from "roomkit/game";
 * export class Arena extends GameRoom<State, Input> { ... }
 * export class Lobby extends GameLobby { constructor(room) { super(room, { gameParty: "arena" }); } }
 * export const ArenaParty = party(Arena);
 * export const LobbyParty = party(Lobby);
 * export default createWorker({ arena: ArenaParty, lobby: LobbyParty });
 * @module
 */
export {
  GameRoom,
  GAME_STORAGE_KEY,
  type GameRoomStats,
  type JoinInfo,
  type StepContext,
} from "./game-room.js";
export type { GameRoomOptions } from "./options.js";
export type { GameConnectionState } from "./members.js";
export { GameLobby, type GameLobbyOptions, type LobbyMessage, type QuickJoinResult } from "./lobby.js";
export type { LobbyTarget } from "./lobby-reporter.js";
export { pickRoom, type RoomListing, type RoomReport, type LobbyEntry } from "./matchmaking.js";
export { FixedStepLoop, type FixedStepLoopOptions, type FrameResult } from "./loop.js";
export { ManualClock, systemClock, type Clock } from "./clock.js";
export { InputQueues, type PlayerInput, type QueueStats } from "./inputs.js";
export { applyPatch, diff, equal, snapshot, type JsonValue, type Patch } from "./patch.js";
export {
  GameCloseCode,
  encodePatchFrame,
  MAX_SEQ,
  type ControlMessage,
  type LeaveReason,
  type PatchFrame,
  type Role,
  type SeatEvent,
  type StateMessage,
  type WelcomeMessage,
} from "./protocol.js";
export { seededRandom, newSeed, type Random } from "./random.js";
export { Seats, type Seat } from "./seats.js";
export { InputError, bool, num, obj, oneOf, onlyKeys, str, type NumberRule } from "./validate.js";
