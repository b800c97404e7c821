/**
 * roomkit/streams: the Durable Streams protocol on Durable Objects. One
 * durable, ordered stream per object (`StreamRoom`, hosted by `party()`),
 * served over HTTP under a path prefix by `streams()`.
 * @module
 */
export { StreamRoom, type StreamRoomOptions } from "./stream-room.js";
export { streams, MAX_STREAM_NAME_LENGTH, type StreamsOptions } from "./handler.js";
export { DEFAULT_STREAM_LIMITS, type StreamLimits } from "./engine.js";
export type { AppendInfo, StreamHooks, StreamOperation } from "./hooks.js";
export { formatOffset, parseOffset, type OffsetQuery } from "./protocol.js";
export { streamStub, type StreamStub } from "./stub.js";
