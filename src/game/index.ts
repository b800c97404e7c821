/**
 * `roomkit/game`: authoritative game rooms with a fixed-timestep loop, seats
 * with reconnection, state sync by patches, and a lobby with quick join.
 * The browser side is `roomkit/game/client`.
 *
 * @example
 * ```ts
 * import { createWorker, party } from "roomkit";
 * import { GameRoom, GameLobby } from "roomkit/game";
 * export class Arena extends GameRoom<State, Input> { ... }
 * export class Lobby extends GameLobby { constructor(room) { super(room, { gameParty: "arena" }); } }
 * export const ArenaParty = party(Arena);
 * export const LobbyParty = party(Lobby);
 * export default createWorker({ arena: ArenaParty, lobby: LobbyParty });
 * ```
 *
 * This entry exports what a game author uses; the machinery behind it (the
 * fixed-step loop, seats, input queues, patch encoding, matchmaking) stays in
 * its source modules.
 * @module
 */
export { GameRoom } from "./game-room.js";
export type { GameRoomStats, JoinInfo, StepContext } from "./room-types.js";
export { GAME_STORAGE_KEY } from "./persistence.js";
export type { GameRoomOptions } from "./options.js";
export type { GameConnectionState } from "./members.js";
export { GameLobby, type GameLobbyOptions, type LobbyMessage, type QuickJoinResult } from "./lobby.js";
export type { LobbyTarget } from "./lobby-reporter.js";
export type { RoomListing, RoomReport } from "./matchmaking.js";
export { ManualClock, systemClock, type Clock } from "./clock.js";
export type { PlayerInput } from "./inputs.js";
export type { JsonValue, Patch } from "./patch.js";
export {
  GameCloseCode,
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
export { InputError, bool, num, obj, oneOf, onlyKeys, str, type NumberRule } from "./validate.js";
