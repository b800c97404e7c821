/// <reference types="@cloudflare/vitest-pool-workers/types" />
/**
 * `roomkit/testing`: test rooms inside workerd with
 * `@cloudflare/vitest-pool-workers` — clients through the Worker, fake time
 * that drives every timer and game loop, eviction and restart, and a look
 * inside a room. The guide: docs/testing.md.
 *
 * @example
 * import { rooms } from "roomkit/testing";
 * beforeEach(() => rooms.useFakeTime());
 * afterEach(() => rooms.reset());
 *
 * it("greets", async () => {
 *   const room = rooms.get("main");
 *   const alice = await room.connect({ id: "alice" });
 *   expect(await alice.nextJSON()).toEqual({ hello: "alice" });
 *   await rooms.advance("30s");
 * });
 * @module
 */
export { rooms, TestRooms } from "./rooms.js";
export { TestRoom, type ConnectOptions, type ConnectionInfo, type PendingTimer } from "./room.js";
export { TestSocket, ConnectionRefused, connect, type CloseInfo, type FetcherLike, type Message } from "./socket.js";
export { TestWebSocket, webSocketThrough, type WebSocketClass } from "./web-socket.js";
export { toMs, type Duration } from "./duration.js";
export type { AdvanceResult } from "./time.js";
