/**
 * roomkit: PartyKit-style real-time rooms on Cloudflare Durable Objects.
 *
 * `import type * as Party from "roomkit"` gives the PartyKit `Party.*` types;
 * `party()` and `createWorker()` wire a server class to Wrangler, and
 * `routeRoomkitRequest()` mounts the rooms in an existing Worker or router.
 *
 * @example
 * ```ts
 * import { party, createWorker } from "roomkit";
 * export const Main = party(Counter);
 * export default createWorker({ main: Main });
 * ```
 * @module
 */
import type { Room } from "./types.js";

// Hosting a server class in a Durable Object.
export { party, PartyHost, type PartyClass, type PartyOptions, type ServerClass } from "./party.js";
// The Worker: routing party URLs to rooms.
export {
  createWorker,
  defineRoutes,
  routeRoomkitRequest,
  type CorsOptions,
  type ExecutionContextLike,
  type RoomkitRoutes,
  type WorkerOptions,
} from "./worker.js";
export { routeOf, type RoomAddress } from "./identity.js";
// Helpers for servers.
export { Flusher, type FlusherOptions } from "./flusher.js";
// Errors and limits.
export { RoomkitError, CloseCode } from "./errors.js";
export { MAX_ROOM_ID_LENGTH } from "./router.js";
export { DEFAULT_LIMITS } from "./limits.js";
export { MAX_PARTY_NAME_LENGTH, defaultBindingName, partyNameProblem } from "./names.js";

// The server API (PartyKit's `Party.*` types, and roomkit's additions).
export type {
  AI,
  BroadcastOptions,
  Connection,
  ConnectionContext,
  ConnectionSetStateFn,
  ConnectionState,
  Context,
  Cron,
  CronLobby,
  ExecutionContext,
  FetchLobby,
  FetchSocket,
  HistoryOptions,
  Limits,
  Lobby,
  Parties,
  PartyKitServer,
  Request,
  Room,
  Server,
  ServerOptions,
  Storage,
  Stub,
  When,
  Worker,
} from "./types.js";
// PartyKit's deprecated names.
export type {
  PartyConnection,
  PartyConnectionContext,
  PartyContext,
  PartyExecutionContext,
  PartyFetchLobby,
  PartyKitConnection,
  PartyKitContext,
  PartyKitRoom,
  PartyKitStorage,
  PartyLobby,
  PartyRequest,
  PartyServer,
  PartyServerOptions,
  PartyStorage,
  PartyStub,
  PartyWorker,
} from "./compat.js";
export type * as Party from "./types.js";
/**
 * `Party` is also a type, as in `partykit/server`: the room (`Party.Room`).
 * So `Party.Party` works after `import type * as Party from "roomkit"`, and
 * `import type { Party } from "roomkit"` serves both as the namespace
 * (`Party.Server`) and, as in older PartyKit code, as the room type.
 * @deprecated As a type, use `Party.Room`.
 */
export type Party = Room;
