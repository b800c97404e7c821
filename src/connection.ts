/**
 * Turns a server-side WebSocket into a `Party.Connection`. In a hibernating
 * room everything a connection knows (id, uri, tags, state, whether it has
 * ended) lives in the socket's attachment, so a connection rebuilt after
 * hibernation is indistinguishable from the original. In an in-memory room it
 * lives in memory only, as in PartyKit: any value, of any size.
 * @module
 */
import { RoomkitError } from "./errors.js";
import type { Connection, ConnectionSetStateFn } from "./types.js";

/** The platform's limit on a socket attachment, in bytes (workerd enforces it on serialize). */
export const MAX_ATTACHMENT_BYTES = 16_384;

/** Identity fields fixed at connect time. */
export type ConnectionMeta = { id: string; uri: string; tags: readonly string[] };

/** `ended`: roomkit refused or closed the connection; it gets no further hooks. */
type Attachment = { rk: ConnectionMeta; state: unknown; ended?: true };

/** Where a connection's record is kept: with the socket (hibernating rooms) or in memory. */
export type Keep = "socket" | "memory";

// The connection shadows these two with PartyKit's deprecated state API, so keep the originals.
const nativeSerialize = WebSocket.prototype.serializeAttachment;
const nativeDeserialize = WebSocket.prototype.deserializeAttachment;

// Per-socket bookkeeping is kept on the socket under these symbols, not in a
// WeakMap or WeakSet: an entry there is an ephemeron the garbage collector
// traces on its own, a cost every join paid (bench/profile.mjs --join-loop).
/** The decoded attachment, so reading `conn.state` never deserializes twice. */
const ATTACHMENT = Symbol("roomkit.attachment");
/** Marks a socket of an in-memory room: its attachment is never serialized. */
const IN_MEMORY = Symbol("roomkit.inMemory");
type Kept = WebSocket & { [ATTACHMENT]?: Attachment; [IN_MEMORY]?: true };

/**
 * Makes `ws` a new connection with `meta`; throws a RoomkitError if the metadata cannot be stored.
 *
 * @example
 * ```ts
 * const conn = createConnection(ws, { id: "alice", uri: request.url, tags: [] }, "socket");
 * ```
 */
export function createConnection(ws: WebSocket, meta: ConnectionMeta, keep: Keep): Connection {
  if (keep === "memory") (ws as Kept)[IN_MEMORY] = true;
  store(ws, { rk: meta, state: null }, meta.id);
  return defineConnection(ws);
}

/**
 * Sets the tags of a connection being opened, keeping any state set meanwhile
 * (PartyKit keeps a `setState()` made inside `getConnectionTags`).
 *
 * @example
 * ```ts
 * setTags(ws, await server.getConnectionTags(conn, ctx));
 * ```
 */
export function setTags(ws: WebSocket, tags: readonly string[]): void {
  const current = read(ws)!;
  store(ws, { ...current, rk: { ...current.rk, tags } }, current.rk.id);
}

/**
 * Marks a connection that roomkit refused or closed as ended, with the socket
 * itself: the client's answer to the close may arrive after the room
 * hibernated, in a new instance that must still give it no hooks.
 *
 * @example
 * ```ts
 * markEnded(ws);
 * closeQuietly(ws, CloseCode.InternalError, INTERNAL_ERROR_REASON);
 * ```
 */
export function markEnded(ws: WebSocket): void {
  const current = read(ws);
  if (!current || current.ended) return;
  try {
    store(ws, { ...current, ended: true }, current.rk.id);
  } catch {
    // A state at the size limit leaves no room for the mark; the state is no longer needed.
    store(ws, { rk: current.rk, state: null, ended: true }, current.rk.id);
  }
}

/**
 * Whether roomkit ended this connection (see {@link markEnded}), in this life of the room or an earlier one.
 *
 * @example
 * ```ts
 * if (isEnded(ws)) return; // a late frame from a refused socket
 * ```
 */
export function isEnded(ws: WebSocket): boolean {
  return read(ws)?.ended === true;
}

/**
 * Returns the connection for a socket that roomkit accepted earlier, possibly
 * in a previous life of the room. Returns `undefined` for a socket that is not
 * roomkit's (no attachment).
 *
 * @example
 * ```ts
 * for (const ws of ctx.getWebSockets()) asConnection(ws)?.send("hi");
 * ```
 */
export function asConnection(ws: WebSocket): Connection | undefined {
  if (!read(ws)) return undefined;
  return defineConnection(ws);
}

function read(ws: WebSocket): Attachment | undefined {
  let a = (ws as Kept)[ATTACHMENT];
  if (!a) {
    const raw = nativeDeserialize.call(ws) as Attachment | null;
    if (!raw || typeof raw !== "object" || !raw.rk) return undefined;
    a = raw;
    (ws as Kept)[ATTACHMENT] = a;
  }
  return a;
}

function store(ws: WebSocket, attachment: Attachment, id: string): void {
  if ((ws as Kept)[IN_MEMORY]) {
    (ws as Kept)[ATTACHMENT] = attachment;
    return;
  }
  try {
    nativeSerialize.call(ws, attachment);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/cannot be larger than/i.test(message)) {
      throw new RoomkitError(
        `Connection state for "${id}" is too large to keep with the socket: ${message.replace(/^.*?was /, "it serializes to ").trim()} ` +
          `The limit is ${MAX_ATTACHMENT_BYTES} bytes including the connection's id, uri and tags. ` +
          `Keep large data in room.storage and only a key in the state. The previous state is unchanged.`,
      );
    }
    throw new RoomkitError(
      `Connection state for "${id}" cannot be stored: it must be structured-cloneable (no functions, class instances or sockets). ${message}`,
    );
  }
  (ws as Kept)[ATTACHMENT] = attachment;
}

const STATE_METHODS = ["setState", "serializeAttachment", "deserializeAttachment"] as const;

// Identity and state are read through getters on one prototype that every
// connection shares (the receiver is the socket), placed between the socket and
// WebSocket.prototype. Giving a socket a prototype is one map transition V8
// caches; defining these nine accessors on every socket cost each join about
// 4 µs, and gave every socket materialised after hibernation the same bill.
const accessors: PropertyDescriptorMap = {
  id: { get: metaGetter("id"), configurable: true },
  uri: { get: metaGetter("uri"), configurable: true },
  tags: { get: metaGetter("tags"), configurable: true },
  socket: {
    get(this: WebSocket) {
      return this;
    },
    configurable: true,
  },
  state: {
    get(this: WebSocket) {
      return read(this)!.state;
    },
    configurable: true,
  },
  ...Object.fromEntries(STATE_METHODS.map((name) => [name, stateMethod(name)])),
};

function metaGetter(key: keyof ConnectionMeta): (this: WebSocket) => unknown {
  return function (this: WebSocket) {
    return read(this)!.rk[key];
  };
}

// The state methods stay bound to their socket, so `const { setState } = conn`
// keeps working. Binding costs closures, so it happens on the first read of
// any of them (most connections never call them), and replaces these
// accessors with the bound methods (all three at once, so it happens once).
function bindStateMethods(ws: WebSocket): void {
  const setState = (next: unknown) => {
    const current = read(ws)!;
    const value = typeof next === "function" ? (next as ConnectionSetStateFn<unknown>)(current.state as never) : next;
    store(ws, { ...current, state: value ?? null }, current.rk.id);
    return value ?? null;
  };
  Object.defineProperties(ws, {
    setState: { value: setState, configurable: true, writable: true },
    // PartyKit's deprecated spellings act on the user's state, never on roomkit's metadata.
    serializeAttachment: { value: setState, configurable: true, writable: true },
    deserializeAttachment: { value: () => read(ws)!.state, configurable: true, writable: true },
  });
}

/** A state method's accessor until {@link bindStateMethods} runs; assigning to it replaces the method, as it would a plain one. */
function stateMethod(name: (typeof STATE_METHODS)[number]): PropertyDescriptor {
  return {
    get(this: WebSocket) {
      bindStateMethods(this);
      return (this as unknown as Record<string, unknown>)[name];
    },
    set(this: WebSocket, value: unknown) {
      bindStateMethods(this);
      (this as unknown as Record<string, unknown>)[name] = value;
    },
    configurable: true,
  };
}

const connectionPrototype: object = Object.create(WebSocket.prototype, accessors);

function defineConnection(ws: WebSocket): Connection {
  if (Object.getPrototypeOf(ws) !== connectionPrototype) Object.setPrototypeOf(ws, connectionPrototype);
  return ws as unknown as Connection;
}
