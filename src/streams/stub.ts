/**
 * `streamStub()`: a stream seen from server code (a room, a Worker route, a
 * queue consumer): the protocol's HTTP requests, sent straight to the
 * stream's object without a public URL and without the edge hooks.
 * @module
 */
import { INTERNAL_ORIGIN, sendToStream } from "./wire.js";

/** A stream's object, addressed by stream path. */
export type StreamStub = {
  /** Sends a protocol request: `query` is the URL's search part (e.g. `"?offset=-1"`), `init` the method, headers and body. */
  fetch(query?: string, init?: RequestInit): Promise<Response>;
};

/**
 * The stream at `path` (as after the prefix: `chat/lobby` for `/v1/stream/chat/lobby`).
 *
 * @example
 * // In a room: record every chat message in the room's durable feed.
 * const feed = streamStub(this.room.env, `chat/${this.room.id}`);
 * await feed.fetch("", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(msg) });
 */
export function streamStub(env: Record<string, unknown>, path: string, options: { binding?: string } = {}): StreamStub {
  const binding = options.binding ?? "STREAMS";
  return {
    fetch: (query = "", init) => sendToStream(env, binding, "streams", path, new Request(`${INTERNAL_ORIGIN}/${query}`, init)),
  };
}
