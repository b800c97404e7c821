/**
 * `roomkit/game/client`: the browser (or Node) side of `roomkit/game` rooms:
 * state from patches, numbered inputs, prediction and interpolation.
 *
 * @example
 * ```ts
 * import { GameClient } from "roomkit/game/client";
 * const game = new GameClient<View, Input>({ host: location.host, party: "arena", room, predict });
 * game.on("state", () => draw(game.predicted, game.sample()));
 * game.sendInput({ dx: 1, dy: 0 });
 * ```
 * @module
 */
export { GameClient, type GameClientOptions, type GameClientStatus } from "./game-client.js";
export { LobbyClient, type LobbyClientOptions } from "./lobby-client.js";
export { SnapshotBuffer, lerp, type Sample } from "./interpolation.js";
export { applyPatch, type JsonValue, type Patch } from "../patch.js";
export {
  GameCloseCode,
  type ControlMessage,
  type LeaveReason,
  type PatchFrame,
  type Role,
  type SeatEvent,
  type StateMessage,
  type WelcomeMessage,
} from "../protocol.js";
export type { LobbyMessage, QuickJoinResult } from "../lobby.js";
export type { RoomListing } from "../matchmaking.js";
