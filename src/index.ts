/**
 * roomkit: PartyKit-style real-time rooms on Cloudflare Durable Objects.
 *
 * `import type * as Party from "roomkit"` gives the PartyKit `Party.*` types;
 * `party()` and `createWorker()` wire a server class to Wrangler.
 * @module
 */
import type { Room } from "./types.js";

export { party, type PartyClass, type PartyOptions, type ServerClass } from "./party.js";
export { createWorker, type CorsOptions, type WorkerOptions } from "./worker.js";
export { Flusher, type FlusherOptions } from "./flusher.js";
export { RoomkitError, CloseCode } from "./errors.js";
export { MAX_ROOM_ID_LENGTH } from "./router.js";
export { DEFAULT_LIMITS } from "./limits.js";
export type * from "./types.js";
export type * as Party from "./types.js";
/**
 * `Party` is also a type, as in `partykit/server`: the room (`Party.Room`).
 * So `Party.Party` works after `import type * as Party from "roomkit"`, and
 * `import type { Party } from "roomkit"` serves both as the namespace
 * (`Party.Server`) and, as in older PartyKit code, as the room type.
 * @deprecated As a type, use `Party.Room`.
 */
export type Party = Room;
