/**
 * The `Party` type namespace: the server API contract, shaped after PartyKit's
 * `partykit/server` so that `import type * as Party from "roomkit"` can replace
 * `import type * as Party from "partykit/server"` with no other edit.
 *
 * @module
 */
import type {
  AnalyticsEngineDataset,
  DurableObjectState,
  DurableObjectStorage,
  ExecutionContext as CFExecutionContext,
  KVNamespace,
  R2Bucket,
  Request as CFRequest,
  ScheduledController,
  VectorizeIndex,
  WebSocket,
} from "@cloudflare/workers-types";
import type { Limits } from "./limits.js";

export type { Limits };

/** An incoming HTTP request (the Workers `Request`, with `cf` properties). */
export interface Request extends CFRequest {}

type ReturnRequest = globalThis.Request | CFRequest;

/**
 * The room's durable key-value store: the Durable Object's own storage
 * (SQLite-backed), with `setAlarm`/`getAlarm`/`deleteAlarm` scoped to the
 * user's alarm so they coexist with roomkit's timers.
 */
export interface Storage extends DurableObjectStorage {}

/** What is known about a connection only while it is being opened. */
export type ConnectionContext = { request: CFRequest };

/** A handle on another room, possibly of another party, in the same deployment. */
export type Stub = {
  /** @deprecated Use `await socket()` instead. */
  connect: () => WebSocket;
  /** Opens a WebSocket to the room (in-process, never over the public network). */
  socket(pathOrInit?: string | RequestInit): Promise<WebSocket>;
  socket(path: string, init?: RequestInit): Promise<WebSocket>;
  /** Sends an HTTP request to the room's `onRequest`. `path` is relative to the room URL. */
  fetch(pathOrInit?: string | RequestInit | ReturnRequest): Promise<Response>;
  fetch(path: string, init?: RequestInit | ReturnRequest): Promise<Response>;
};

/** The parties of this deployment, by name. */
export type Parties = Record<string, { get(id: string): Stub }>;

/** Workers AI binding placeholder kept for PartyKit type compatibility. */
export type AI = Record<string, never>;

type AssetFetcher = { fetch(path: string): Promise<Response | null> };
type CustomBindings = { r2: Record<string, R2Bucket>; kv: Record<string, KVNamespace> };

/** Other resources of this deployment, available to every room. */
export type Context = {
  /** Every party of this deployment, to reach other rooms in-process. */
  parties: Parties;
  /** Kept for PartyKit compatibility; use bindings from `room.env` instead. */
  ai: AI;
  /** Kept for PartyKit compatibility; use bindings from `room.env` instead. */
  vectorize: Record<string, VectorizeIndex>;
  /** Fetches a static asset of this deployment (the `ASSETS` binding), if configured. */
  assets: AssetFetcher;
  /** Kept for PartyKit compatibility: bindings are all on `room.env`. */
  bindings: CustomBindings;
};

/** What the edge hooks see: no room is running yet. */
export type FetchLobby = {
  env: Record<string, unknown>;
  ai: AI;
  parties: Parties;
  vectorize: Context["vectorize"];
  analytics: AnalyticsEngineDataset;
  assets: AssetFetcher;
  bindings: CustomBindings;
};

/** What `onBeforeConnect`/`onBeforeRequest` see: the target room's id, before it starts. */
export type Lobby = FetchLobby & { id: string };

/** Alias kept for PartyKit compatibility (`onCron` is not supported by roomkit). */
export type CronLobby = FetchLobby;

/** The Workers execution context (`waitUntil`, `passThroughOnException`). */
export type ExecutionContext = CFExecutionContext;

type ImmutablePrimitive = undefined | null | boolean | string | number;
type Immutable<T> = T extends ImmutablePrimitive
  ? T
  : T extends Array<infer U>
    ? ReadonlyArray<Immutable<U>>
    : T extends Map<infer K, infer V>
      ? ReadonlyMap<Immutable<K>, Immutable<V>>
      : T extends Set<infer M>
        ? ReadonlySet<Immutable<M>>
        : { readonly [K in keyof T]: Immutable<T[K]> };

/** A connection's state as seen by readers: deeply read-only. */
export type ConnectionState<T> = { readonly [K in keyof T]: Immutable<T[K]> } | null;
/** An updater for {@link Connection.setState}. */
export type ConnectionSetStateFn<T> = (prevState: ConnectionState<T>) => T;

/**
 * A WebSocket connected to a room: the server side of the socket itself (so
 * `send`, `close`, `readyState`, `addEventListener` all work) plus roomkit's
 * fields. Every field survives hibernation.
 */
export type Connection<TState = unknown> = WebSocket & {
  /** partysocket's `_pk` query parameter (stable across reconnects), else a random UUID. */
  id: string;
  /** The URL the client connected to. */
  uri: string;
  /** The tags from `getConnectionTags`. */
  tags: readonly string[];
  /** @deprecated The connection is the socket; use it directly. */
  socket: WebSocket;
  /** Arbitrary state for this connection. Read-only: change it with `setState`. */
  state: ConnectionState<TState>;
  /**
   * Replaces the state (or computes it from the previous one) and returns it.
   * In a hibernating room the state is stored with the socket, so it survives
   * hibernation; a value larger than the platform's limit (16 KiB) throws a
   * `RoomkitError` and leaves the previous state in place. In an in-memory
   * room (`hibernate: false`) it is kept in memory, as in PartyKit: any value
   * of any size.
   */
  setState(state: TState | ConnectionSetStateFn<TState> | null): ConnectionState<TState>;
  /** @deprecated Use `setState`. */
  serializeAttachment<T = unknown>(attachment: T): void;
  /** @deprecated Use `state`. */
  deserializeAttachment<T = unknown>(): T | null;
};

/** When a timer fires: a `Date`, or a delay in milliseconds from now. */
export type When = Date | number;

/** A room: one Durable Object instance, addressed by party name and room id. */
export type Room = {
  /** The room id from the URL (`/parties/:party/:id`), decoded. Available in every hook, `onAlarm` included. */
  id: string;
  /** The Durable Object id assigned by the platform. */
  internalID: string;
  /** The party name (`main` for `/party/:id`). */
  name: string;
  /** Bindings and variables (`wrangler.toml` `[vars]`, secrets, `.dev.vars`). */
  env: Record<string, unknown>;
  /** The room's private durable storage. */
  storage: Storage;
  /** Holds back every other event until `callback` settles. */
  blockConcurrencyWhile: DurableObjectState["blockConcurrencyWhile"];
  /** Other resources of this deployment. */
  context: Context;
  /** @deprecated Use `room.getConnections()`. */
  connections: Map<string, Connection>;
  /** @deprecated Use `room.context.parties`. */
  parties: Parties;
  /**
   * Sends `msg` to every open connection except the ids in `without`, or as
   * {@link BroadcastOptions} say. In a room with `options.history` the
   * message is also stored, for clients that reconnect (docs/durable-broadcasts.md).
   */
  broadcast: (msg: string | ArrayBuffer | ArrayBufferView, without?: string[] | BroadcastOptions | undefined) => void;
  /** The open connection with this id, if any. */
  getConnection<TState = unknown>(id: string): Connection<TState> | undefined;
  /** Every open connection, or those tagged `tag` by `getConnectionTags`; a connection's id is always one of its tags. */
  getConnections<TState = unknown>(tag?: string): Iterable<Connection<TState>>;
  /** Not provided by roomkit; bind an Analytics Engine dataset in `wrangler.toml` and use `room.env`. */
  analytics: AnalyticsEngineDataset;
  /**
   * Schedules the named timer (replacing any timer of that name). It is
   * persisted, survives eviction, and calls `onTimer(name, payload)` at least once.
   */
  schedule(when: When, name: string, payload?: unknown): Promise<void>;
  /** Schedules the named timer to fire every `ms` milliseconds, first in `ms`. */
  every(ms: number, name: string, payload?: unknown): Promise<void>;
  /** Cancels the named timer; resolves to whether one existed. */
  cancel(name: string): Promise<boolean>;
};

/** The second argument of `room.broadcast` in its object form (roomkit extension). */
export type BroadcastOptions = {
  /** Connection ids that do not get the message (PartyKit's `without`). */
  without?: string[];
  /** Only connections with this tag (see `getConnectionTags`; an id counts as a tag) get the message. */
  tag?: string;
  /**
   * In a room with `options.history`: `false` sends this message live only
   * (not stored, not replayed). Default `true` there; `true` in a room
   * without history is an error.
   */
  durable?: boolean;
};

/** What a room's history keeps (`options.history`; see docs/durable-broadcasts.md and docs/limits.md). */
export type HistoryOptions = {
  /** Keep at least this many of the newest durable messages. Default 1000, at most 1,000,000. */
  maxMessages?: number;
  /** Drop durable messages older than this many milliseconds (to within a second). Default: no age limit. */
  maxAge?: number;
};

/** Options of a party, as a static or instance `options` property. */
export type ServerOptions = {
  /**
   * Durable broadcasts: every `room.broadcast` is stored, and a client that
   * reconnects with the offset of the last message it saw (the
   * `roomkit/durable` client helper sends it) gets what it missed, exactly
   * once and in order, before newer messages. `true` uses the defaults.
   * (roomkit extension)
   */
  history?: HistoryOptions | boolean;
  /**
   * Use the WebSocket Hibernation API: the room may leave memory between
   * messages while its sockets stay open. Default `false`, as in PartyKit.
   */
  hibernate?: boolean;
  /** Message size, message rate and connection limits (roomkit extension; see docs/limits.md). */
  limits?: Limits;
  /**
   * Close a connection whose `onMessage` throws (1011, generic reason; its
   * `onClose` runs). Default `false`: as in PartyKit, the error is logged and
   * the connection stays open. (roomkit extension)
   */
  closeOnError?: boolean;
  /**
   * Let a client compress its messages with one deflate context across them
   * (what the runtime negotiates by itself). Default `false`: when a client
   * offers permessage-deflate, roomkit answers with `client_no_context_takeover`,
   * so each client message is compressed on its own (Node's `ws` then sends
   * messages under 1 KiB uncompressed, without queueing them behind zlib);
   * messages to clients keep their context. See docs/api.md. (roomkit extension)
   */
  clientContextTakeover?: boolean;
};

/** A room's behaviour: every hook is optional and may be async. */
export type Server = {
  /** Customises this party (see {@link ServerOptions}). */
  readonly options?: ServerOptions;
  /** Tags a connection at connect time, for `room.getConnections(tag)`. At most 9 tags of 256 characters. */
  getConnectionTags?(connection: Connection, context: ConnectionContext): string[] | Promise<string[]>;
  /** Runs once per instance before any other hook, again after every wake. */
  onStart?(): void | Promise<void>;
  /** A WebSocket connected. */
  onConnect?(connection: Connection, ctx: ConnectionContext): void | Promise<void>;
  /** A message arrived from `sender`. A throw is logged; the connection stays open (see `options.closeOnError`). */
  onMessage?(message: string | ArrayBuffer | ArrayBufferView, sender: Connection): void | Promise<void>;
  /** The client closed `connection`. A throw is logged. */
  onClose?(connection: Connection): void | Promise<void>;
  /** `connection` failed. A throw is logged. */
  onError?(connection: Connection, error: Error): void | Promise<void>;
  /** An HTTP request to the room URL. */
  onRequest?(req: Request): Response | Promise<Response>;
  /** The alarm set with `room.storage.setAlarm` fired. `room.id` is available here. */
  onAlarm?(): void | Promise<void>;
  /** A timer set with `room.schedule`/`room.every` fired. */
  onTimer?(name: string, payload: unknown): void | Promise<void>;
  /**
   * With `options.history`: the room's current state (a string, e.g. JSON)
   * for a client whose offset is no longer in the history; it arrives with
   * the "reset" signal. It must reflect at least every message broadcast
   * before it was called. (roomkit extension)
   */
  historyState?(connection: Connection): string | undefined | void | Promise<string | undefined | void>;
};

/** A WebSocket handled by `onSocket` (unsupported in roomkit; kept for types). */
export type FetchSocket = WebSocket & { request: Request };

type ServerConstructor = { new (room: Room): Server };

/**
 * The edge hooks: static methods of a party's server class, run in the Worker
 * before any Durable Object is touched.
 */
export type Worker = ServerConstructor & {
  /** Handles requests that match no party URL (main party only). Return `null` for a 404. */
  onFetch?(req: Request, lobby: FetchLobby, ctx: ExecutionContext): Response | undefined | null | Promise<Response | null | undefined>;
  /** Not supported by roomkit; present for type compatibility. */
  onSocket?(socket: FetchSocket, lobby: FetchLobby, ctx: ExecutionContext): void | Promise<void>;
  /** Runs before an HTTP request reaches the room: return a `Request` to forward or a `Response` to answer. */
  onBeforeRequest?(req: Request, lobby: Lobby, ctx: ExecutionContext): Request | Response | Promise<Request | Response>;
  /** Runs before a WebSocket reaches the room: return a `Request` to forward or a `Response` to refuse. */
  onBeforeConnect?(req: Request, lobby: Lobby, ctx: ExecutionContext): Request | Response | Promise<Request | Response>;
  /** Not supported by roomkit (use a Cron Trigger on your worker); present for type compatibility. */
  onCron?(controller: Cron, lobby: CronLobby, ctx: ExecutionContext): unknown;
};

/** The controller `onCron` receives. Kept for PartyKit type compatibility: roomkit never calls `onCron`. */
export type Cron = ScheduledController & { name: string };

// PartyKit's deprecated names (PartyRequest, PartyKitRoom, ...) live in
// compat.ts; they are part of the `Party` namespace through this re-export.
export type * from "./compat.js";

/**
 * @deprecated Use a class implementing `Party.Server` (hooks) with static
 * `Party.Worker` methods (edge hooks). This is PartyKit's old object syntax
 * (`export default { onConnect(conn, room) {} }`); `party(server)` runs such
 * an object with PartyKit's argument order (the room after the connection or
 * message). As in PartyKit, it hibernates when it has `onMessage`.
 */
export type PartyKitServer = {
  /** @deprecated Use `onFetch`. */
  unstable_onFetch?: (req: Request, lobby: FetchLobby, ctx: ExecutionContext) => Response | null | undefined | Promise<Response | null | undefined>;
  onFetch?: (req: Request, lobby: FetchLobby, ctx: ExecutionContext) => Response | null | undefined | Promise<Response | null | undefined>;
  onSocket?(socket: FetchSocket, lobby: FetchLobby, ctx: ExecutionContext): void | Promise<void>;
  onBeforeRequest?: (req: Request, lobby: Lobby, ctx: ExecutionContext) => ReturnRequest | Response | Promise<ReturnRequest | Response>;
  onCron?: (controller: Cron, lobby: CronLobby, ctx: ExecutionContext) => void | Promise<void>;
  onRequest?: (req: Request, room: Room) => Response | Promise<Response>;
  /** Unlike PartyKit, `room.id` and `room.context.parties` work here. */
  onAlarm?: (room: Room) => void | Promise<void>;
  onConnect?: (connection: Connection, room: Room, ctx: ConnectionContext) => void | Promise<void>;
  onBeforeConnect?: (req: Request, lobby: Lobby, ctx: ExecutionContext) => ReturnRequest | Response | Promise<ReturnRequest | Response>;
  onMessage?: (message: string | ArrayBuffer | ArrayBufferView, connection: Connection, room: Room) => void | Promise<void>;
  onClose?: (connection: Connection, room: Room) => void | Promise<void>;
  onError?: (connection: Connection, err: Error, room: Room) => void | Promise<void>;
};
