/**
 * `party(Server)`: hosts a PartyKit-style server class in a Durable Object.
 *
 * The Durable Object owns the lifecycle (start once per instance, before any
 * hook; retry after a failed start), the sockets (hibernating or in memory)
 * and the alarm (shared between the user's `onAlarm` and named timers). The
 * user's class only ever sees `Party.*` objects.
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { noteStart } from "./clock.js";
import { asConnection, createConnection, isEnded, markEnded, setTags } from "./connection.js";
import { attachHistory, checkHistoryOption } from "./durable/attach.js";
import { CloseCode, INTERNAL_ERROR_REASON, RoomkitError, closeQuietly, errorResponse, internalErrorResponse, logError } from "./errors.js";
import { RateLimiter, messageBytesOver, resolveLimits, type ResolvedLimits } from "./limits.js";
import { serverClassFromObject } from "./object-server.js";
import { PARTY_HEADER, ROOM_HEADER } from "./parties.js";
import { RoomImpl, internals, type RoomHost } from "./room.js";
import { Scheduler, USER_ALARM } from "./scheduler.js";
import type { Connection, ConnectionContext, PartyKitServer, Room, Server, ServerOptions, Worker } from "./types.js";

/** The user's server class, as `party()` accepts it. */
export type ServerClass = Worker & { options?: ServerOptions };

/** Options of `party()`. */
export type PartyOptions = {
  /** The Durable Object binding in wrangler.toml. Default: the party name in UPPER_SNAKE case (`main` → `MAIN`). */
  binding?: string;
};

/** A Durable Object class made by `party()`: export it and bind it in wrangler.toml. */
export type PartyClass = (new (ctx: DurableObjectState, env: any) => DurableObject) & {
  readonly server: ServerClass;
  readonly binding: string | undefined;
};

/** Longest accepted connection id (`_pk`); ids are indexed as socket tags, which the platform caps at 256. */
export const MAX_CONNECTION_ID_LENGTH = 200;
/** The key under which a party instance exposes its room to `roomkit/testing` (a symbol, so never over RPC). */
export const ROOM_OF = Symbol.for("roomkit.roomOf");
const MAX_USER_TAGS = 9;
const MAX_TAG_LENGTH = 256;

const partyNameOf = new WeakMap<object, string>();

/** Records the party name a class serves under (called by `createWorker`). */
export function setPartyName(cls: PartyClass, name: string): void {
  if (!partyNameOf.has(cls)) partyNameOf.set(cls, name);
}

/**
 * Turns a PartyKit-style server class into a Durable Object class. A server in
 * PartyKit's older object syntax (`{ onConnect(conn, room) {…} }`) works too.
 *
 * @example
 * export const Main = party(Counter);          // bind as MAIN in wrangler.toml
 * export default createWorker({ main: Main });
 */
export function party(Server: ServerClass, options?: PartyOptions): PartyClass;
export function party(server: PartyKitServer, options?: PartyOptions): PartyClass;
export function party(ServerOrObject: ServerClass | PartyKitServer, options: PartyOptions = {}): PartyClass {
  if (ServerOrObject === null || (typeof ServerOrObject !== "function" && typeof ServerOrObject !== "object")) {
    throw new RoomkitError(`party() expects a server class or a PartyKit server object, got ${ServerOrObject === null ? "null" : typeof ServerOrObject}.`);
  }
  const Server: ServerClass = typeof ServerOrObject === "function" ? ServerOrObject : serverClassFromObject(ServerOrObject);

  // Validated once here so a bad limit fails at deploy/start, not at the first message.
  const limits = resolveLimits(Server.options?.limits);
  checkHistoryOption(Server.options?.history);

  class RoomkitParty extends DurableObject<Record<string, unknown>> {
    static readonly server = Server;
    static readonly binding = options.binding;

    /** The room this instance hosts, for `roomkit/testing`'s inspection of connections. */
    get [ROOM_OF](): Room {
      return this.#room as Room;
    }

    readonly #state: DurableObjectState;
    readonly #scheduler: Scheduler;
    readonly #room: RoomImpl;
    readonly #server: Server | undefined;
    readonly #serverError: unknown;
    readonly #hibernate: boolean;
    /** `options.closeOnError`: a throwing onMessage closes its connection (1011) instead of only being logged. */
    readonly #closeOnError: boolean;
    readonly #limits: ResolvedLimits;
    readonly #rate: RateLimiter;
    /** `roomkit dev` sets ROOMKIT_DEV_LOG so closes get a line of their own (wrangler never reports them). */
    readonly #devLog: boolean;
    /** An upper bound of open connections, see #hasRoom. */
    #connectionBound: number | undefined;
    #started = false;
    #roomId: string | undefined;
    #partyName: string | undefined;
    /** In-memory mode only: the sockets this instance accepted. */
    readonly #sockets = new Set<WebSocket>();
    /**
     * Sockets that have left the room (onClose/onError ran) or never joined it
     * (onConnect failed): they get no further hooks. Per instance; a socket
     * roomkit itself closed is also marked in its attachment (markEnded), since
     * the client's answer may reach a later instance.
     */
    readonly #ended = new WeakSet<WebSocket>();
    /** Sockets whose onError already ran. */
    readonly #errored = new WeakSet<WebSocket>();

    constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
      super(ctx, env);
      this.#state = ctx;
      this.#scheduler = new Scheduler(ctx.storage, (name, payload) => this.#dispatchTimer(name, payload), ctx.id);
      const host: RoomHost = {
        ctx,
        env,
        scheduler: this.#scheduler,
        roomId: () => this.#roomIdOrThrow(),
        partyName: () => this.#partyNameNow(),
        sockets: (tag) => this.#socketsTagged(tag),
      };
      this.#room = new RoomImpl(host);
      let server: Server | undefined;
      let roomLimits = limits;
      try {
        server = new Server(this.#room as Room);
        // An instance `options.limits` (docs/api.md) refines the static one.
        const own = server.options?.limits;
        if (own) roomLimits = resolveLimits({ ...Server.options?.limits, ...own });
      } catch (e) {
        server = undefined;
        this.#serverError = e;
      }
      const opts = { ...Server.options, ...server?.options };
      try {
        if (server) attachHistory(this.#room, ctx, opts.history, server);
      } catch (e) {
        server = undefined;
        this.#serverError = e;
      }
      this.#server = server;
      this.#hibernate = Boolean(opts.hibernate ?? false);
      this.#closeOnError = Boolean(opts.closeOnError ?? false);
      this.#limits = roomLimits;
      this.#rate = new RateLimiter(roomLimits.messagesPerSecond, roomLimits.burst);
      this.#devLog = env?.ROOMKIT_DEV_LOG === "1";
    }

    #roomIdOrThrow(): string {
      const id = this.#state.id.name ?? this.#roomId;
      if (id === undefined) {
        throw new RoomkitError(
          "This room's id is unknown: roomkit rooms must be addressed by name (idFromName / getByName), e.g. through createWorker() or room.context.parties.",
        );
      }
      return id;
    }

    #partyNameNow(): string {
      return this.#partyName ?? partyNameOf.get(RoomkitParty) ?? "main";
    }

    #socketsTagged(tag?: string): Iterable<WebSocket> {
      if (this.#hibernate) return this.#state.getWebSockets(tag) as unknown as WebSocket[];
      if (tag === undefined) return this.#sockets;
      return [...this.#sockets].filter((ws) => {
        const conn = asConnection(ws);
        // As in PartyKit, a connection's id is always one of its tags.
        return conn !== undefined && (conn.id === tag || conn.tags.includes(tag));
      });
    }

    async #ensureStarted(): Promise<void> {
      if (this.#started) return;
      if (!this.#server) throw this.#serverError;
      let error: unknown;
      // A throw inside blockConcurrencyWhile would reset the whole object (and drop
      // every socket), so the error is carried out and rethrown to the caller only.
      await this.#state.blockConcurrencyWhile(async () => {
        if (this.#started) return;
        try {
          await this.#server!.onStart?.();
          this.#started = true;
          noteStart(this.#state.id);
          // An alarm the platform gave up on (or a failed start never set again) must not strand timers.
          await this.#scheduler.resume();
        } catch (e) {
          error = e;
        }
      });
      if (error !== undefined) throw error;
    }

    override async fetch(request: Request): Promise<Response> {
      const party = request.headers.get(PARTY_HEADER);
      if (party) this.#partyName = party;
      const roomHeader = request.headers.get(ROOM_HEADER);
      if (roomHeader && this.#state.id.name === undefined) this.#roomId = safeDecode(roomHeader);
      const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";

      try {
        await this.#ensureStarted();
      } catch (e) {
        logError(`${this.#where()} onStart`, e);
        return upgrade ? refuseSocket(CloseCode.InternalError, INTERNAL_ERROR_REASON) : internalErrorResponse();
      }
      const server = this.#server!;
      if (upgrade) return this.#accept(request, server);

      if (!server.onRequest) {
        if (hasSocketHooks(server)) {
          return errorResponse(426, "This room only accepts WebSocket connections.", { upgrade: "websocket" });
        }
        return errorResponse(404, "This room does not handle HTTP requests.");
      }
      try {
        const res = await server.onRequest(withoutRoutingHeaders(request) as never);
        if (!(res instanceof Response)) {
          throw new RoomkitError(`onRequest must return a Response, got ${res === null ? "null" : typeof res}.`);
        }
        return res;
      } catch (e) {
        logError(`${this.#where()} onRequest`, e);
        return internalErrorResponse();
      }
    }

    async #accept(request: Request, server: Server): Promise<Response> {
      if (!hasSocketHooks(server)) {
        return errorResponse(400, "This room does not accept WebSocket connections (its server has no onConnect/onMessage).");
      }
      const url = new URL(request.url);
      const id = url.searchParams.get("_pk") || crypto.randomUUID();
      if (id.length > MAX_CONNECTION_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(id)) {
        return errorResponse(400, `Invalid connection id (_pk): at most ${MAX_CONNECTION_ID_LENGTH} printable characters.`);
      }
      const history = this.#room[internals].history;
      const resume = history?.resumeOf(url);
      if (typeof resume === "string") return errorResponse(400, resume);
      if (!this.#hasRoom()) {
        return refuseSocket(CloseCode.TryAgainLater, `Room is full (${this.#limits.maxConnections} connections).`);
      }
      const pair = new WebSocketPair();
      const [client, ws] = [pair[0], pair[1]];
      // Copying the request without roomkit's routing headers costs more than the
      // rest of a join, so it is only made if a hook reads ctx.request.
      let clean: Request | undefined;
      const ctx: ConnectionContext = {
        get request() {
          return (clean ??= withoutRoutingHeaders(request)) as never;
        },
      };
      let conn: Connection;
      try {
        conn = createConnection(ws, { id, uri: request.url, tags: [] }, this.#hibernate ? "socket" : "memory");
        const tags = checkTags((await server.getConnectionTags?.(conn, ctx)) ?? []);
        if (tags.length > 0) setTags(ws, tags); // keeps a state set inside getConnectionTags
        if (this.#hibernate) {
          // The id is a tag too, as in PartyKit: getConnections(id) and getConnection(id) find it.
          this.#state.acceptWebSocket(ws, [id, ...tags.filter((t) => t !== id)]);
        } else {
          ws.accept();
          // Newer compatibility dates default to Blob; PartyKit servers (and y-partykit) expect ArrayBuffer.
          (ws as { binaryType?: string }).binaryType = "arraybuffer";
          this.#listen(ws);
        }
      } catch (e) {
        logError(`${this.#where()} getConnectionTags`, e);
        return refuseSocket(CloseCode.InternalError, INTERNAL_ERROR_REASON);
      }
      // A resuming client gets no durable broadcast until its catch-up (src/durable/history.ts).
      if (resume) history!.hold(ws);
      try {
        await server.onConnect?.(conn, ctx);
      } catch (e) {
        logError(`${this.#where()} onConnect of connection "${id}"`, e);
        this.#ended.add(ws);
        markEnded(ws);
        this.#sockets.delete(ws);
        closeQuietly(ws, CloseCode.InternalError, INTERNAL_ERROR_REASON);
      }
      if (resume && !this.#ended.has(ws)) {
        try {
          await history!.catchUp(conn, resume);
        } catch (e) {
          logError(`${this.#where()} history catch-up of connection "${id}"`, e);
          await this.#reject(ws, CloseCode.InternalError, INTERNAL_ERROR_REASON);
        }
      }
      return new Response(null, { status: 101, webSocket: client });
    }

    #listen(ws: WebSocket): void {
      this.#sockets.add(ws);
      ws.addEventListener("message", (event) => void this.#message(ws, event.data));
      ws.addEventListener("close", (event) => void this.#close(ws, event.code, event.reason));
      ws.addEventListener("error", (event) => void this.#error(ws, (event as ErrorEvent).error));
    }

    async #message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
      if (this.#ended.has(ws)) return;
      const conn = asConnection(ws);
      if (!conn || isEnded(ws)) return;
      const tooBig = messageBytesOver(message, this.#limits.maxMessageBytes);
      if (tooBig !== null) {
        return this.#reject(ws, CloseCode.MessageTooBig, `Message too big: ${tooBig} bytes; the limit is ${this.#limits.maxMessageBytes}.`);
      }
      if (!this.#rate.take(ws)) {
        return this.#reject(ws, CloseCode.PolicyViolation, `Rate limit exceeded: more than ${this.#limits.messagesPerSecond} messages per second.`);
      }
      try {
        // The hot path: skip a promise per message once the room has started.
        if (!this.#started) await this.#ensureStarted();
        await this.#server!.onMessage?.(message, conn);
      } catch (e) {
        // As in PartyKit: logged, and the connection stays open (a bad frame must
        // not cost a user their connection) unless the party opted into closing.
        logError(`${this.#where()} onMessage of connection "${conn.id}"`, e);
        if (this.#closeOnError) await this.#reject(ws, CloseCode.InternalError, INTERNAL_ERROR_REASON);
      }
    }

    /** The client closed (platform event): run onClose once and complete the handshake. */
    async #close(ws: WebSocket, code: number, reason: string): Promise<void> {
      try {
        await this.#depart(ws, "onClose", undefined, code);
      } finally {
        // Hibernating sockets need the closing handshake completed by hand.
        closeQuietly(ws, code, reason);
      }
    }

    /**
     * The socket failed. A peer that simply vanished is a departure like any
     * other (onClose only); a real error runs onError first. Either way onClose
     * runs, so presence cleanup written there is never skipped.
     */
    async #error(ws: WebSocket, error: unknown): Promise<void> {
      const err = error instanceof Error ? error : new Error(String(error));
      if (!isPeerGone(ws, error)) await this.#depart(ws, "onError", err);
      await this.#depart(ws, "onClose", undefined, CONNECTION_LOST);
    }

    /**
     * roomkit closes one connection for breaking a rule (or a hook throwing for
     * it): the connection leaves the room now, so onClose runs now, once.
     */
    async #reject(ws: WebSocket, code: number, reason: string): Promise<void> {
      closeQuietly(ws, code, reason);
      await this.#depart(ws, "onClose", undefined, code);
      markEnded(ws);
    }

    /** Runs onError at most once and then onClose exactly once, for each connection that completed onConnect. */
    async #depart(ws: WebSocket, hook: "onClose" | "onError", error?: Error, code?: number): Promise<void> {
      this.#sockets.delete(ws);
      const done = hook === "onClose" ? this.#ended : this.#errored;
      if (done.has(ws) || this.#ended.has(ws) || isEnded(ws)) return;
      done.add(ws);
      const conn = asConnection(ws);
      if (!conn) return;
      if (this.#devLog && hook === "onClose") this.#logClose(conn.id, code ?? NO_STATUS);
      try {
        await this.#ensureStarted();
        if (hook === "onClose") await this.#server!.onClose?.(conn);
        else await this.#server!.onError?.(conn, error!);
      } catch (e) {
        logError(`${this.#where()} ${hook} of connection "${conn.id}"`, e);
      }
      if (hook === "onClose") await this.#afterDeparture();
    }

    /**
     * Whether one more connection fits. Counting open sockets means walking all
     * of them (in hibernation mode, materialising every socket), which made each
     * join O(n) and a 1,000-client storm O(n²). So only an upper bound is kept:
     * counted exactly once per instance, then raised by one per accept and never
     * lowered; an exact count is taken again only when the bound reaches the limit.
     */
    #hasRoom(): boolean {
      const max = this.#limits.maxConnections;
      if (this.#connectionBound === undefined || this.#connectionBound >= max) this.#connectionBound = this.#openCount();
      if (this.#connectionBound >= max) return false;
      this.#connectionBound++;
      return true;
    }

    #openCount(): number {
      let n = 0;
      for (const ws of this.#socketsTagged()) if (ws.readyState === 1) n++;
      return n;
    }

    async #afterDeparture(): Promise<void> {
      const listeners = this.#room[internals].lastConnectionClosed;
      if (listeners.size === 0) return;
      for (const _ of this.#room.getConnections()) return;
      for (const listener of listeners) {
        try {
          await listener();
        } catch (e) {
          logError(`${this.#where()} last-connection handler`, e);
        }
      }
    }

    // Hibernation API entry points.
    override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
      return this.#message(ws, message);
    }
    override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
      await this.#close(ws, code, reason);
    }
    override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
      await this.#error(ws, error);
    }

    /**
     * Never throws for a failed start: the platform stops retrying an alarm after
     * six attempts, which would strand every timer of a room whose onStart fails
     * longer. The alarm is set again here instead, with a capped backoff.
     */
    override async alarm(): Promise<void> {
      try {
        await this.#ensureStarted();
        if (!this.#scheduler.supported) {
          // Key-value-backed: no timers, the platform alarm is the user's own (PartyKit's retries).
          await this.#server!.onAlarm?.();
          return;
        }
        await this.#scheduler.run();
      } catch (e) {
        if (this.#started && !this.#scheduler.supported) throw e;
        logError(`${this.#where()} ${this.#started ? "running timers" : "onStart (before alarm)"}`, e);
        try {
          const delay = await this.#scheduler.retryLater();
          if (delay !== null) console.error(`[roomkit] ${this.#where()}: timers wait; the alarm is retried in ${delay / 1000} s.`);
        } catch (retryError) {
          logError(`${this.#where()} setting the alarm again`, retryError);
          throw e; // the platform's own retries are all that is left
        }
      }
    }

    async #dispatchTimer(name: string, payload: unknown): Promise<void> {
      const internal = this.#room[internals].timerHandlers.get(name);
      if (internal) {
        await internal(payload);
        return;
      }
      const server = this.#server!;
      if (name === USER_ALARM) {
        await server.onAlarm?.();
        return;
      }
      if (!server.onTimer) {
        console.warn(`[roomkit] ${this.#where()}: timer "${name}" fired but the server has no onTimer(name, payload) hook.`);
        return;
      }
      await server.onTimer(name, payload);
    }

    /** The line `roomkit dev` turns into "⇄ close party/room id (code)"; parts are URI-encoded so spaces never split it. */
    #logClose(id: string, code: number): void {
      const e = encodeURIComponent;
      console.log(`[roomkit:dev] close ${e(this.#partyNameNow())} ${e(this.#roomIdForLogs())} ${e(id)} ${code}`);
    }

    #where(): string {
      return `${Server.name || "Server"} ${this.#partyNameNow()}/${this.#roomIdForLogs()}`;
    }

    /** The room id, or the object's hex id when the name is not known (logging must not throw). */
    #roomIdForLogs(): string {
      try {
        return this.#roomIdOrThrow();
      } catch {
        return this.#state.id.toString();
      }
    }
  }

  Object.defineProperty(RoomkitParty, "name", { value: `${Server.name || "Anonymous"}Party` });
  return RoomkitParty as unknown as PartyClass;
}

// Reserved close codes: reported, never sent.
const NO_STATUS = 1005;
const CONNECTION_LOST = 1006;

/** The runtime reports a vanished peer as an error on an already-closing socket. */
function isPeerGone(ws: WebSocket, error: unknown): boolean {
  if (ws.readyState !== 2 && ws.readyState !== 3) return false; // CLOSING, CLOSED
  const e = error as { retryable?: boolean; message?: unknown } | null;
  return e?.retryable === true || /Network connection lost|peer disconnected/i.test(String(e?.message ?? ""));
}

function hasSocketHooks(server: Server): boolean {
  return Boolean(server.onConnect || server.onMessage || server.onClose || server.onError);
}

function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")) {
    throw new RoomkitError("getConnectionTags must return an array of strings.");
  }
  if (tags.length > MAX_USER_TAGS) {
    throw new RoomkitError(`getConnectionTags returned ${tags.length} tags; at most ${MAX_USER_TAGS} are allowed.`);
  }
  const long = tags.find((t: string) => t.length > MAX_TAG_LENGTH || t.length === 0);
  if (long !== undefined) {
    throw new RoomkitError(`Connection tags must be 1 to ${MAX_TAG_LENGTH} characters; got one of ${long.length}.`);
  }
  return tags;
}

/** Answers an upgrade with a socket that closes at once, so WebSocket clients see a close code and reason. */
function refuseSocket(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  closeQuietly(pair[1], code, reason);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

function withoutRoutingHeaders(request: Request): Request {
  if (!request.headers.has(PARTY_HEADER) && !request.headers.has(ROOM_HEADER)) return request;
  const headers = new Headers(request.headers);
  headers.delete(PARTY_HEADER);
  headers.delete(ROOM_HEADER);
  return new Request(request, { headers });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
