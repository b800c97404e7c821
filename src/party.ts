/**
 * `party(Server)`: makes a Durable Object class that hosts a PartyKit-style
 * server — a short subclass of {@link PartyHost}, which holds all the logic.
 * @module
 */
import { checkHistoryOption } from "./durable/attach.js";
import { RoomkitError } from "./errors.js";
import { PartyHost, type ServerClass } from "./host.js";
import { resolveLimits } from "./limits.js";
import { serverClassFromObject } from "./object-server.js";
import type { PartyKitServer } from "./types.js";

export { PartyHost, ROOM_OF, type ServerClass } from "./host.js";

/** Options of `party()`. */
export type PartyOptions = {
  /** The Durable Object binding in wrangler.toml. Default: the party name in UPPER_SNAKE case (`main` → `MAIN`). */
  binding?: string;
};

/** A Durable Object class made by `party()`: export it and bind it in wrangler.toml. */
export type PartyClass = typeof PartyHost;

/**
 * Turns a PartyKit-style server class into a Durable Object class. A server in
 * PartyKit's older object syntax (`{ onConnect(conn, room) {…} }`) works too.
 *
 * @example
 * ```ts
 * export const Main = party(Counter);          // bind as MAIN in wrangler.toml
 * export default createWorker({ main: Main });
 * ```
 */
export function party(Server: ServerClass, options?: PartyOptions): PartyClass;
export function party(server: PartyKitServer, options?: PartyOptions): PartyClass;
export function party(ServerOrObject: ServerClass | PartyKitServer, options: PartyOptions = {}): PartyClass {
  if (ServerOrObject === null || (typeof ServerOrObject !== "function" && typeof ServerOrObject !== "object")) {
    throw new RoomkitError(`party() expects a server class or a PartyKit server object, got ${ServerOrObject === null ? "null" : typeof ServerOrObject}.`);
  }
  const Server: ServerClass = typeof ServerOrObject === "function" ? ServerOrObject : serverClassFromObject(ServerOrObject);
  // Validated once here so a bad option fails at deploy/start, not at the first message.
  resolveLimits(Server.options?.limits);
  checkHistoryOption(Server.options?.history);

  const Party = class extends PartyHost {
    static override readonly server = Server;
    static override readonly binding = options.binding;
  };
  Object.defineProperty(Party, "name", { value: `${Server.name || "Anonymous"}Party` });
  return Party;
}
