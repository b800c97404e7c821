/**
 * A room's sockets: accepting them, listing them (all, or by tag) and the one
 * difference between hibernating rooms and in-memory rooms, as a strategy
 * chosen once per room. A hibernating room lets the platform hold its
 * sockets and deliver their events to the object's `webSocket*` methods; an
 * in-memory room holds them itself and listens to them.
 * @module
 */
import { asConnection, type Keep } from "./connection.js";
import { closeQuietly } from "./errors.js";

/** `WebSocket.OPEN`. */
export const OPEN = 1;

/** Where a socket's events go; hibernating sockets deliver them through the object's `webSocket*` methods instead. */
export type SocketEvents = {
  message(ws: WebSocket, data: string | ArrayBuffer): void;
  close(ws: WebSocket, code: number, reason: string): void;
  error(ws: WebSocket, error: unknown): void;
};

/** How a room holds its sockets. */
export interface SocketStrategy {
  /** Where a connection's record lives (see src/connection.ts). */
  readonly keep: Keep;
  /** Accepts `ws` as connection `id` with `tags` (the id is a tag too, as in PartyKit). */
  accept(ws: WebSocket, id: string, tags: readonly string[]): void;
  /** Sockets accepted by this room, optionally only those tagged `tag`; may include closed ones. */
  all(tag?: string): Iterable<WebSocket>;
  /** `ws` left the room: stop listing it. */
  forget(ws: WebSocket): void;
}

/**
 * The strategy for a room: hibernating (`options.hibernate`) or in memory.
 *
 * @example
 * ```ts
 * const sockets = socketsFor(Boolean(options.hibernate), ctx, { message, close, error });
 * sockets.accept(ws, conn.id, tags);
 * for (const ws of sockets.all("admins")) ws.send("hi");
 * ```
 */
export function socketsFor(hibernate: boolean, ctx: DurableObjectState, events: SocketEvents): SocketStrategy {
  return hibernate ? new HibernatingSockets(ctx) : new InMemorySockets(events);
}

/** The platform holds the sockets; they survive the object leaving memory. */
class HibernatingSockets implements SocketStrategy {
  readonly keep = "socket";
  constructor(private readonly ctx: DurableObjectState) {}

  accept(ws: WebSocket, id: string, tags: readonly string[]): void {
    this.ctx.acceptWebSocket(ws, tags.length === 0 ? [id] : [id, ...tags.filter((t) => t !== id)]);
  }

  all(tag?: string): Iterable<WebSocket> {
    return this.ctx.getWebSockets(tag) as unknown as WebSocket[];
  }

  forget(): void {
    // The platform stops listing a socket once it is closed.
  }
}

/** The room holds the sockets, as PartyKit does without hibernation. */
class InMemorySockets implements SocketStrategy {
  readonly keep = "memory";
  readonly #sockets = new Set<WebSocket>();
  constructor(private readonly events: SocketEvents) {}

  accept(ws: WebSocket): void {
    ws.accept();
    // Newer compatibility dates default to Blob; PartyKit servers (and y-partykit) expect ArrayBuffer.
    (ws as { binaryType?: string }).binaryType = "arraybuffer";
    this.#sockets.add(ws);
    const events = this.events;
    ws.addEventListener("message", (event) => events.message(ws, event.data as string | ArrayBuffer));
    ws.addEventListener("close", (event) => events.close(ws, event.code, event.reason));
    ws.addEventListener("error", (event) => events.error(ws, (event as ErrorEvent).error));
  }

  all(tag?: string): Iterable<WebSocket> {
    if (tag === undefined) return this.#sockets;
    return [...this.#sockets].filter((ws) => {
      const conn = asConnection(ws);
      // As in PartyKit, a connection's id is always one of its tags.
      return conn !== undefined && (conn.id === tag || conn.tags.includes(tag));
    });
  }

  forget(ws: WebSocket): void {
    this.#sockets.delete(ws);
  }
}

/**
 * The 101 that hands `client` to the WebSocket client, with roomkit's answer
 * to its permessage-deflate offer (src/compression.ts) when there is one;
 * without, the runtime negotiates.
 *
 * @example
 * ```ts
 * return acceptedSocket(pair[0], acceptDeflate(request.headers.get("Sec-WebSocket-Extensions")));
 * ```
 */
export function acceptedSocket(client: WebSocket, deflate: string | undefined): Response {
  if (deflate === undefined) return new Response(null, { status: 101, webSocket: client });
  return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Extensions": deflate } });
}

/**
 * Answers an upgrade with a socket that closes at once, so WebSocket clients
 * see a close code and reason rather than a failed handshake.
 *
 * @example
 * ```ts
 * return refuseSocket(CloseCode.TryAgainLater, "Room is full (100 connections).");
 * ```
 */
export function refuseSocket(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  closeQuietly(pair[1], code, reason);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/**
 * Sends `data` to `ws`, ignoring a socket that closed meanwhile (its close
 * handler cleans up): for fan-out loops, where one gone peer must not stop the rest.
 *
 * @example
 * ```ts
 * for (const conn of room.getConnections()) sendQuietly(conn, frame);
 * ```
 */
export function sendQuietly(ws: { send(data: string | ArrayBuffer | ArrayBufferView): void }, data: string | ArrayBuffer | ArrayBufferView): void {
  try {
    ws.send(data);
  } catch {
    // Closed between the check and the send.
  }
}
