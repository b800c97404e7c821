/**
 * roomkit: PartyKit-style real-time rooms on Cloudflare Durable Objects.
 *
 * `import type * as Party from "roomkit"` gives the PartyKit `Party.*` types;
 * `party()` and `createWorker()` wire a server class to Wrangler.
 * @module
 */
export { party, type PartyClass, type PartyOptions, type ServerClass } from "./party.js";
export { createWorker, type CorsOptions, type WorkerOptions } from "./worker.js";
export { Flusher, type FlusherOptions } from "./flusher.js";
export { RoomkitError, CloseCode } from "./errors.js";
export { MAX_ROOM_ID_LENGTH } from "./router.js";
export { DEFAULT_LIMITS } from "./limits.js";
export type * from "./types.js";
export type * as Party from "./types.js";
