/**
 * `GameLobby`: a party that lists the open rooms of a game with their player
 * counts, live, and matches players into rooms ("quick join").
 *
 * Game rooms keep it up to date themselves with in-process calls whenever
 * their seats change; the lobby never polls. A report is accepted only when
 * it carries roomkit's caller header naming a room of the lobby's game party,
 * and only about that room: the Worker removes that header from every request
 * that enters from outside, so no spelling of a report URL can forge or remove
 * an entry. Quick join is rate-limited per client address, and the rooms it
 * creates that no player has reached yet are capped.
 * @module
 */
import { definedOnly } from "../defined.js";
import { RoomkitError, errorResponse, logError } from "../errors.js";
import { randomId } from "../random-id.js";
import { RateLimiter } from "../limits.js";
import { callerOf } from "../parties.js";
import { hooksOf } from "../room-hooks.js";
import { routeOf } from "../identity.js";
import type { Connection, ConnectionContext, Request as PartyRequest, Room, ServerOptions } from "../types.js";
import { applyReport, isGone, listing, pickRoom, reserve, type LobbyEntry, type RoomListing, type RoomReport } from "./matchmaking.js";

/** Options of a {@link GameLobby}, passed to its constructor. */
export type GameLobbyOptions = {
  /** The party name of the game rooms this lobby matches players into (as in `createWorker({ ... })`). */
  gameParty: string;
  /** Seats of a room quick join creates, until that room reports its own `maxPlayers`. Default 8. */
  maxPlayers?: number;
  /** How long a seat promised by quick join stays reserved for a player who has not connected yet, in ms. Default 15 000. */
  reservationMs?: number;
  /** A room that has not reported for this long is dropped from the list (it may have crashed), in ms. Default 180 000. */
  staleAfterMs?: number;
  /** How new room ids are made. Default: 8 random lowercase letters and digits. */
  newRoomId?: () => string;
  /** Quick joins one client (one address) may make per minute, sustained; more get 429. Default 20. */
  quickJoinsPerMinute?: number;
  /** Quick joins one client may make at once above that rate. Default 5. */
  quickJoinBurst?: number;
  /** Rooms quick join created that no player has reached yet; while this many wait, quick join answers 503 instead of creating another. Default 50. */
  maxWaitingRooms?: number;
};

/** What the lobby sends its sockets: the whole list, on connect and after every change. */
export type LobbyMessage =
  | { type: "rooms"; rooms: RoomListing[] }
  | { type: "matched"; room: string; party: string; created: boolean }
  | { type: "invalid"; reason: string }
  /** Quick join refused for now (this client asks too often, or too many new rooms wait for players); retry after `retryAfterMs`. */
  | { type: "unavailable"; reason: string; retryAfterMs: number };

/** What `POST /quick-join` answers. */
export type QuickJoinResult = { room: string; party: string; created: boolean };

const ENTRY_PREFIX = "lobby:room:";
const REPORT_PATH = /^\/rooms\/([^/]+)$/;
/** Any path that looks like a report, however it is spelled: refused unless a game room sent it. */
const REPORT_LIKE = /^\/+rooms(\/|$)/i;
const FORGED_REPORT = "Room reports are accepted only from game rooms of this deployment.";

/** Quick join refused for now: HTTP status, reason, and when to retry. */
class Unavailable extends Error {
  constructor(
    readonly status: 429 | 503,
    readonly reason: string,
    readonly retryAfterMs: number,
  ) {
    super(reason);
  }
}

/**
 * A lobby. Extend it, pass the game party's name, and add it to `createWorker`.
 *
 * Clients read the list from `GET /parties/lobby/<id>` or live over a
 * WebSocket to the same URL, and get a room with `POST /parties/lobby/<id>/quick-join`
 * (or the socket message `{"type":"quick-join"}`).
 *
 * @example
 * ```ts
 * export class Lobby extends GameLobby {
 *   constructor(room: Party.Room) { super(room, { gameParty: "arena", maxPlayers: 4 }); }
 * }
 * export default createWorker({ arena: party(Arena), lobby: party(Lobby) });
 * ```
 */
export class GameLobby {
  /** Lobbies hibernate between changes; their sockets only listen and occasionally ask for a match. */
  static options: ServerOptions = { hibernate: true, limits: { maxMessageBytes: 1024, messagesPerSecond: 5, burst: 10 } };

  /**
   * Runs in the Worker for every public HTTP request: the report endpoints
   * (`/rooms/<id>`) answer only to game rooms calling in-process.
   */
  static onBeforeRequest(req: PartyRequest): PartyRequest | Response {
    // An early answer only: the lobby room itself authenticates reports (see onRequest).
    const route = routeOf(req);
    if (route && REPORT_LIKE.test(route.rest) && req.method !== "GET") return errorResponse(403, FORGED_REPORT);
    return req;
  }

  readonly #options: Required<Omit<GameLobbyOptions, "newRoomId">> & Pick<GameLobbyOptions, "newRoomId">;
  readonly #entries = new Map<string, LobbyEntry>();
  readonly #quickJoins: RateLimiter;

  constructor(
    readonly room: Room,
    options: GameLobbyOptions,
  ) {
    if (!options || typeof options.gameParty !== "string" || options.gameParty === "") {
      throw new RoomkitError('GameLobby needs the game rooms\' party name: super(room, { gameParty: "arena" }).');
    }
    const o = {
      maxPlayers: 8,
      reservationMs: 15_000,
      staleAfterMs: 180_000,
      quickJoinsPerMinute: 20,
      quickJoinBurst: 5,
      maxWaitingRooms: 50,
      ...(definedOnly(options) as GameLobbyOptions),
    };
    for (const key of ["maxPlayers", "reservationMs", "staleAfterMs", "quickJoinsPerMinute", "quickJoinBurst", "maxWaitingRooms"] as const) {
      if (!(o[key] > 0 && (Number.isFinite(o[key]) || (key === "quickJoinsPerMinute" && o[key] === Infinity)))) {
        throw new RoomkitError(`GameLobby: ${key} must be a positive number, got ${o[key]}.`);
      }
    }
    this.#options = o;
    this.#quickJoins = new RateLimiter(o.quickJoinsPerMinute / 60, o.quickJoinBurst);
    // storage.deleteAll() empties the list: the copy in memory must not outlive it. Rooms report again on their next change.
    hooksOf(room)?.onStorageReset(() => {
      this.#entries.clear();
      this.#broadcast();
    });
  }

  async onStart(): Promise<void> {
    const stored = await this.room.storage.list<LobbyEntry>({ prefix: ENTRY_PREFIX });
    for (const entry of stored.values()) this.#entries.set(entry.room, entry);
  }

  /** The open rooms, fullest first. */
  rooms(now = Date.now()): RoomListing[] {
    return [...this.#entries.values()]
      .filter((e) => !isGone(e, now, this.#options.staleAfterMs))
      .map((e) => listing(e, now))
      .sort((a, b) => b.players - a.players || a.room.localeCompare(b.room));
  }

  onConnect(conn: Connection, ctx?: ConnectionContext): void {
    // Remembered with the socket (it survives hibernation): quick joins over it count against this client.
    if (ctx) conn.setState({ client: clientKey(ctx.request as unknown as Request) });
    conn.send(JSON.stringify({ type: "rooms", rooms: this.rooms() } satisfies LobbyMessage));
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Connection): Promise<void> {
    let type: unknown;
    try {
      type = typeof message === "string" ? (JSON.parse(message) as { type?: unknown })?.type : undefined;
    } catch {
      // handled below
    }
    if (type === "quick-join") {
      const client = (sender.state as { client?: unknown } | null)?.client;
      try {
        const match = await this.quickJoin(typeof client === "string" ? client : sender);
        sender.send(JSON.stringify({ type: "matched", ...match } satisfies LobbyMessage));
      } catch (e) {
        if (!(e instanceof Unavailable)) throw e;
        sender.send(JSON.stringify({ type: "unavailable", reason: e.reason, retryAfterMs: e.retryAfterMs } satisfies LobbyMessage));
      }
      return;
    }
    sender.send(JSON.stringify({ type: "invalid", reason: 'The lobby understands only {"type":"quick-join"}.' } satisfies LobbyMessage));
  }

  async onRequest(req: PartyRequest): Promise<Response> {
    const rest = (routeOf(req)?.rest ?? "").replace(/\/$/, "");
    const caller = callerOf(req as unknown as Request);
    if (caller) return this.#authenticatedReport(req, caller, rest);
    if (REPORT_LIKE.test(rest) && req.method !== "GET" && req.method !== "HEAD") return errorResponse(403, FORGED_REPORT);
    try {
      if (rest === "/quick-join") {
        if (req.method !== "POST") return errorResponse(405, "Use POST /quick-join.", { allow: "POST" });
        try {
          return Response.json(await this.quickJoin(clientKey(req as unknown as Request)));
        } catch (e) {
          if (!(e instanceof Unavailable)) throw e;
          return errorResponse(e.status, e.reason, { "retry-after": String(Math.max(1, Math.ceil(e.retryAfterMs / 1000))) });
        }
      }
      if (rest === "" && (req.method === "GET" || req.method === "HEAD")) {
        return Response.json({ rooms: this.rooms() }, { headers: { "cache-control": "no-store" } });
      }
    } catch (e) {
      if (e instanceof URIError) return errorResponse(400, "Malformed room id.");
      throw e;
    }
    return errorResponse(404, "The lobby answers GET / (the room list) and POST /quick-join.");
  }

  /**
   * Picks an open room with a free seat (reserving it for a while) or makes
   * up a new room id. Reservations are counts, not names: the next player who
   * arrives in that room uses one up. `client` (an address, or a socket) is
   * rate-limited (server code calling without one is not); a refusal throws,
   * and HTTP/socket callers answer 429/503 or `{"type":"unavailable"}`.
   */
  async quickJoin(client?: string | object): Promise<QuickJoinResult> {
    const now = Date.now();
    if (client !== undefined && !this.#quickJoins.take(client, now)) {
      const perMinute = this.#options.quickJoinsPerMinute;
      throw new Unavailable(429, `Too many quick joins: at most ${perMinute} per minute per client.`, this.#quickJoins.waitMs(client, now));
    }
    this.#prune(now);
    const until = now + this.#options.reservationMs;
    const found = pickRoom(this.#entries.values(), now);
    let entry: LobbyEntry;
    let created = false;
    if (found) {
      entry = reserve(found, now, until);
    } else {
      const waiting = [...this.#entries.values()].filter((e) => e.players === 0).length;
      if (waiting >= this.#options.maxWaitingRooms) {
        const max = this.#options.maxWaitingRooms;
        throw new Unavailable(503, `${max} new rooms are already waiting for their players; try again shortly.`, this.#options.reservationMs);
      }
      created = true;
      let id: string;
      do id = this.#options.newRoomId?.() ?? randomId();
      while (this.#entries.has(id));
      entry = {
        room: id,
        party: this.#options.gameParty,
        players: 0,
        connected: 0,
        spectators: 0,
        maxPlayers: this.#options.maxPlayers,
        open: true,
        info: null,
        updatedAt: now,
        reservations: [until],
      };
    }
    await this.#save(entry);
    return { room: entry.room, party: entry.party, created };
  }

  /** A request sent by another room: accepted only as a report, from a room of the game party, about that same room. */
  async #authenticatedReport(req: PartyRequest, caller: { party: string; room: string }, rest: string): Promise<Response> {
    const report = REPORT_PATH.exec(rest);
    let roomId: string | undefined;
    try {
      roomId = report ? decodeURIComponent(report[1]!) : undefined;
    } catch {
      roomId = undefined;
    }
    if (caller.party !== this.#options.gameParty || roomId !== caller.room) return errorResponse(403, FORGED_REPORT);
    return this.#report(req, roomId);
  }

  async #report(req: PartyRequest, roomId: string): Promise<Response> {
    const previous = this.#entries.get(roomId);
    let report: RoomReport | string;
    if (req.method === "DELETE") {
      // The room has no seats left. Seats promised to quick-joiners on their way keep it listed.
      if (!previous) return new Response(null, { status: 204 });
      report = { ...previous, players: 0, connected: 0, spectators: 0 };
    } else if (req.method === "PUT") {
      report = parseReport(await req.json().catch(() => undefined));
      if (typeof report === "string") return errorResponse(400, report);
      if (report.party !== this.#options.gameParty) return errorResponse(403, FORGED_REPORT);
    } else {
      return errorResponse(405, "Reports are PUT or DELETE.", { allow: "PUT, DELETE" });
    }
    const now = Date.now();
    const entry = applyReport(this.#entries.get(roomId), roomId, report, now); // re-read: the body was awaited
    if (isGone(entry, now, this.#options.staleAfterMs)) {
      this.#entries.delete(roomId);
      await this.room.storage.delete(ENTRY_PREFIX + roomId);
      this.#broadcast();
    } else {
      await this.#save(entry);
    }
    return new Response(null, { status: 204 });
  }

  async #save(entry: LobbyEntry): Promise<void> {
    this.#entries.set(entry.room, entry);
    await this.room.storage.put(ENTRY_PREFIX + entry.room, entry);
    this.#broadcast();
  }

  /** Forgets rooms that emptied or went quiet. */
  #prune(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (!isGone(entry, now, this.#options.staleAfterMs)) continue;
      this.#entries.delete(id);
      this.room.storage.delete(ENTRY_PREFIX + id).catch((e) => logError(`lobby ${this.room.id}: forgetting room ${id}`, e));
    }
  }

  #broadcast(): void {
    this.room.broadcast(JSON.stringify({ type: "rooms", rooms: this.rooms() } satisfies LobbyMessage));
  }
}

/** Checks a report body field by field: it comes from our own rooms, but a bad one must not poison the list. */
function parseReport(body: unknown): RoomReport | string {
  if (typeof body !== "object" || body === null) return "A report is a JSON object.";
  const b = body as Record<string, unknown>;
  const count = (k: string) => Number.isInteger(b[k]) && (b[k] as number) >= 0;
  for (const k of ["players", "connected", "spectators", "maxPlayers"]) if (!count(k)) return `Report field "${k}" must be a non-negative integer.`;
  if (typeof b.party !== "string" || b.party === "") return 'Report field "party" must be the game party name.';
  if (typeof b.open !== "boolean") return 'Report field "open" must be true or false.';
  const info = b.info === undefined ? null : b.info;
  if (JSON.stringify(info).length > 4096) return 'Report field "info" must serialize to at most 4096 characters.';
  return {
    party: b.party,
    players: b.players as number,
    connected: b.connected as number,
    spectators: b.spectators as number,
    maxPlayers: b.maxPlayers as number,
    open: b.open,
    info: info as RoomReport["info"],
  };
}

/** Who is asking for a quick join: the client's address as Cloudflare's edge reports it (a client cannot set it there). */
function clientKey(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "unknown";
}
