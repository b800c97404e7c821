/**
 * The `room` object a server receives: identity, storage, connections,
 * broadcast, timers and the other parties.
 * @module
 */
import { asConnection } from "./connection.js";
import { RoomkitError } from "./errors.js";
import type { RoomIdentity } from "./identity.js";
import { fetchAsset, partiesFor } from "./parties.js";
import { bindHooks, type RoomHookSet } from "./room-hooks.js";
import type { Scheduler } from "./scheduler.js";
import { OPEN, sendQuietly, type SocketStrategy } from "./sockets.js";
import { roomStorage } from "./storage.js";
import type { BroadcastOptions, Connection, Context, Room, Storage, When } from "./types.js";

/**
 * The tag under which earlier roomkit versions indexed a connection's id.
 * Sockets they accepted may still be open (hibernating) after an upgrade, so
 * `getConnection(id)` also looks there.
 */
const legacyIdTag = (id: string) => `rk:id:${id}`;

/** What the room needs from the Durable Object that hosts it. */
export interface RoomHost {
  readonly ctx: DurableObjectState;
  readonly env: Record<string, unknown>;
  readonly scheduler: Scheduler;
  readonly identity: RoomIdentity;
  /** The helpers' API of this room (see src/room-hooks.ts). */
  readonly hooks: RoomHookSet;
  /** Read on every call: the host picks its socket strategy after the server is constructed. */
  sockets(): SocketStrategy;
}

/**
 * The `Party.Room` of one Durable Object instance. Its helpers' API (timers,
 * notifications) is the host's {@link RoomHookSet}, reachable with `hooksOf(room)`.
 *
 * @example
 * ```ts
 * const room = new RoomImpl({ ctx, env, scheduler, identity, hooks, sockets: () => sockets });
 * room.broadcast("hello", { without: [sender.id] });
 * ```
 */
export class RoomImpl implements Room {
  readonly storage: Storage;
  readonly blockConcurrencyWhile: Room["blockConcurrencyWhile"];
  readonly #host: RoomHost;
  #context: Context | undefined;

  constructor(host: RoomHost) {
    this.#host = host;
    bindHooks(this, host.hooks);
    this.storage = roomStorage(host.ctx.storage, host.scheduler, () => host.hooks.storageWasReset());
    this.blockConcurrencyWhile = host.ctx.blockConcurrencyWhile.bind(host.ctx) as Room["blockConcurrencyWhile"];
  }

  get id(): string {
    return this.#host.identity.room;
  }
  get internalID(): string {
    return this.#host.ctx.id.toString();
  }
  get name(): string {
    return this.#host.identity.party;
  }
  get env(): Record<string, unknown> {
    return this.#host.env;
  }

  get context(): Context {
    if (!this.#context) {
      const env = this.#host.env;
      this.#context = {
        parties: partiesFor(env),
        ai: {},
        vectorize: {},
        assets: { fetch: (path) => fetchAsset(env, path) },
        bindings: { r2: {}, kv: {} },
      };
    }
    return this.#context;
  }
  get parties() {
    return this.context.parties;
  }

  get connections(): Map<string, Connection> {
    return new Map([...this.getConnections()].map((c) => [c.id, c]));
  }

  get analytics(): Room["analytics"] {
    return {
      writeDataPoint() {
        throw new RoomkitError("room.analytics is not provided by roomkit: bind an Analytics Engine dataset in wrangler.toml and use room.env.");
      },
    } as Room["analytics"];
  }

  broadcast(msg: string | ArrayBuffer | ArrayBufferView, options?: string[] | BroadcastOptions): void {
    const opts: BroadcastOptions | undefined = options === undefined || Array.isArray(options) ? undefined : options;
    const without = opts ? opts.without : (options as string[] | undefined);
    const sockets = this.#host.sockets();
    const history = this.#host.hooks.history;
    if (history && opts?.durable !== false) {
      history.broadcast(msg, opts?.tag !== undefined || without?.length ? { tag: opts?.tag, without } : undefined, sockets.all(opts?.tag));
      return;
    }
    if (opts?.durable === true)
      throw new RoomkitError("broadcast(…, { durable: true }) needs options.history on the server class (docs/durable-broadcasts.md).");
    const skip = without && without.length > 0 ? new Set(without) : undefined;
    // A plain loop over the sockets rather than getConnections(): this runs once per
    // message. Every socket the host lists was accepted by roomkit (it carries a
    // connection), so the connection is only looked up when an id must be skipped.
    for (const ws of sockets.all(opts?.tag)) {
      if (ws.readyState !== OPEN) continue;
      if (skip) {
        const conn = asConnection(ws);
        if (!conn || skip.has(conn.id)) continue;
      }
      sendQuietly(ws, msg);
    }
  }

  getConnection<TState = unknown>(id: string): Connection<TState> | undefined {
    return (this.#newestWithId(id, id) ?? this.#newestWithId(id, legacyIdTag(id))) as Connection<TState> | undefined;
  }

  /** A connection's id is one of its tags; a user tag may equal another connection's id, so the id is checked. */
  #newestWithId(id: string, tag: string): Connection | undefined {
    let found: Connection | undefined;
    for (const ws of this.#host.sockets().all(tag)) {
      if (ws.readyState !== OPEN) continue;
      const conn = asConnection(ws);
      if (conn?.id === id) found = conn; // the newest open socket with this id wins
    }
    return found;
  }

  *getConnections<TState = unknown>(tag?: string): Iterable<Connection<TState>> {
    for (const ws of this.#host.sockets().all(tag)) {
      if (ws.readyState !== OPEN) continue;
      const conn = asConnection(ws);
      if (conn) yield conn as Connection<TState>;
    }
  }

  schedule(when: When, name: string, payload?: unknown): Promise<void> {
    return this.#host.scheduler.schedule(when, checkUserTimer(name), payload);
  }

  every(ms: number, name: string, payload?: unknown): Promise<void> {
    return this.#host.scheduler.schedule(ms, checkUserTimer(name), payload, ms);
  }

  cancel(name: string): Promise<boolean> {
    return this.#host.scheduler.cancel(checkUserTimer(name));
  }
}

function checkUserTimer(name: string): string {
  if (typeof name === "string" && (name.startsWith("\u0000") || name.startsWith("roomkit:"))) {
    throw new RoomkitError(`Timer names starting with "roomkit:" are reserved for roomkit's own helpers (got "${name}").`);
  }
  return name;
}
