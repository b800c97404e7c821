/**
 * PartyKit's older object syntax (`export default { onConnect(ws, room) {…} }
 * satisfies PartyKitServer`), turned into the server class `party()` hosts.
 * The hooks get PartyKit's argument order for that syntax: the room comes
 * after the connection/message, and `onAlarm`/`onRequest` receive it too.
 * @module
 */
import { RoomkitError } from "./errors.js";
import type { Connection, ConnectionContext, PartyKitServer, Request, Room, Server, ServerOptions, Worker } from "./types.js";

const ROOM_HOOKS = ["onConnect", "onMessage", "onClose", "onError", "onRequest", "onAlarm"] as const;
const EDGE_HOOKS = ["onBeforeConnect", "onBeforeRequest", "onFetch", "unstable_onFetch"] as const;

/**
 * Wraps a PartyKit object-syntax server in a class with the same hooks.
 * Only the hooks the object has are defined, so roomkit answers as it would
 * for a class without them (e.g. 426 for HTTP to a socket-only room). As in
 * PartyKit, such a server hibernates when it has `onMessage` (or no
 * `onConnect`): a server with only `onConnect` keeps its sockets in memory and
 * attaches its own listeners, as y-partykit does.
 *
 * @example
 * ```ts
 * const Chat = serverClassFromObject({
 *   onMessage(message, conn, room) { room.broadcast(String(message), [conn.id]); },
 * });
 * export const Main = party(Chat);
 * ```
 */
export function serverClassFromObject(server: PartyKitServer, name = "ObjectServer"): Worker & { options: ServerOptions } {
  for (const hook of [...ROOM_HOOKS, ...EDGE_HOOKS]) {
    const value = (server as Record<string, unknown>)[hook];
    if (value !== undefined && typeof value !== "function") {
      throw new RoomkitError(`party(): the server object's ${hook} must be a function, got ${value === null ? "null" : typeof value}.`);
    }
  }
  const s = server as Required<PartyKitServer>;
  const hibernate = "onMessage" in server || !("onConnect" in server);

  class ObjectServer {
    static options: ServerOptions = { hibernate };
    constructor(readonly room: Room) {}
  }
  const proto = ObjectServer.prototype as Server & { room: Room };
  const define = <K extends keyof Server>(hook: K, fn: Server[K]) => Object.defineProperty(proto, hook, { value: fn, writable: true, configurable: true });
  if (s.onConnect)
    define("onConnect", function (this: { room: Room }, conn: Connection, ctx: ConnectionContext) {
      return s.onConnect.call(server, conn, this.room, ctx);
    });
  if (s.onMessage)
    define("onMessage", function (this: { room: Room }, message, sender: Connection) {
      return s.onMessage.call(server, message, sender, this.room);
    });
  if (s.onClose)
    define("onClose", function (this: { room: Room }, conn: Connection) {
      return s.onClose.call(server, conn, this.room);
    });
  if (s.onError)
    define("onError", function (this: { room: Room }, conn: Connection, error: Error) {
      return s.onError.call(server, conn, error, this.room);
    });
  if (s.onRequest)
    define("onRequest", function (this: { room: Room }, req: Request) {
      return s.onRequest.call(server, req, this.room);
    });
  if (s.onAlarm)
    define("onAlarm", function (this: { room: Room }) {
      return s.onAlarm.call(server, this.room);
    });

  // Edge hooks stay methods of the object (`this` is the object, as in PartyKit).
  const statics = ObjectServer as unknown as Record<string, unknown>;
  if (s.onBeforeConnect) statics.onBeforeConnect = s.onBeforeConnect.bind(server);
  if (s.onBeforeRequest) statics.onBeforeRequest = s.onBeforeRequest.bind(server);
  const onFetch = s.onFetch ?? s.unstable_onFetch;
  if (onFetch) statics.onFetch = onFetch.bind(server);
  Object.defineProperty(ObjectServer, "name", { value: name });
  return ObjectServer as unknown as Worker & { options: ServerOptions };
}
