/**
 * `roomkit/durable`: the client side of durable broadcasts (runs in browsers
 * and Node; no Workers APIs). The server side is `options.history` on a room.
 * The guide: docs/durable-broadcasts.md.
 * @module
 */
export { DurableHistory, type DurableHistoryOptions, type HistoryHandlers, type MessageInfo, type OffsetStore, type SocketLike } from "./client.js";
export { OFFSET_PARAM, readFrame, type Frame } from "./wire.js";
