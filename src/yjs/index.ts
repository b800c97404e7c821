/**
 * `roomkit/yjs`: hibernating, durable Yjs rooms that speak the y-websocket
 * protocol (y-websocket's `WebsocketProvider`, y-partykit's
 * `YPartyKitProvider` and y-partyserver's `YProvider` connect unchanged).
 *
 * @example
 * ```ts
 * import { party, createWorker } from "roomkit";
 * import { YRoom } from "roomkit/yjs";
 * export class Doc extends YRoom {}
 * export const Main = party(Doc);
 * export default createWorker({ main: Main });
 * ```
 * @module
 */
export { YRoom, READ_ONLY_TAG, READ_ONLY_REASON, CUSTOM_MESSAGE_PREFIX, HTTP_ORIGIN } from "./y-room.js";
export type { YRoomOptions } from "./options.js";
export type { YDocumentSource } from "./document.js";
export { YCloseCode, MessageType, SyncType } from "./protocol.js";
export { CONNECTION_STATE_KEY, type AwarenessEntry } from "./awareness.js";
export { CHUNK_BYTES } from "./store.js";
