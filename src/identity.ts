/**
 * Routing identity: which party and room a request addresses, and how the
 * room learns it. This module alone decides whether a request can go as the
 * client sent it ({@link urlTellsAddress}: the room then reads the same
 * address off it), alone writes the address onto one that cannot
 * ({@link addressTo}, used by the router and by stubs), and alone reads it
 * back in the room ({@link RoomIdentity}), which strips it before user code
 * sees the request. The parsed route also stays attached to the request
 * objects hooks receive ({@link routeOf}), so no hook parses the URL again.
 * @module
 */
import { RoomkitError } from "./errors.js";
import { matchRoute } from "./router.js";
import { tableExists } from "./sql-tables.js";
import type { ConnectionContext } from "./types.js";
import { pathOf } from "./url-parts.js";

/** Where a request goes: a party, a room id (decoded) and the path after the room segment. */
export type RoomAddress = {
  party: string;
  room: string;
  /** What follows the room segment, starting with `/`, or `""`. */
  rest: string;
};

/** An address whose `rest` the sender may not know (it is then read from the URL, in the room). */
export type PartialAddress = Omit<RoomAddress, "rest"> & { rest?: string };

// The request headers carrying the address from the Worker to the room. Clients
// cannot forge them: addressTo() overwrites them, RoomIdentity strips them.
const PARTY_HEADER = "x-roomkit-party";
const ROOM_HEADER = "x-roomkit-room";
const REST_HEADER = "x-roomkit-rest";

// Where a room with timers writes its address down. An alarm may wake an
// object that no request reached, and workerd then starts it without its name
// (`ctx.id.name` is undefined for that instance's whole life: seen after a
// restart of a dev server with persisted state, where due timers fire at once).
// Such a room must still know its id in its constructor, onStart and onAlarm.
const ADDRESS_TABLE = "_roomkit_address";

// The party a class serves under, declared by the router when the Worker module
// loads (the same isolate runs the rooms): a room woken by its alarm, with no
// request to read, still knows its party.
const partyOfClass = new WeakMap<object, string>();
// Classes declared under more than one party name: only an address header says which one a request means.
const servesSeveral = new WeakSet<object>();
// The parsed address of each request handed to a hook, for routeOf().
const routes = new WeakMap<object, RoomAddress>();

/**
 * Declares the party name a Durable Object class serves under; the first
 * declaration wins (a class bound twice keeps its first name, and the
 * request's address says which one is meant).
 *
 * @example
 * ```ts
 * declareParty(Main, "main");
 * ```
 */
export function declareParty(cls: object, party: string): void {
  const declared = partyOfClass.get(cls);
  if (declared === undefined) partyOfClass.set(cls, party);
  else if (declared !== party) servesSeveral.add(cls);
}

/**
 * Whether `request` can go to a room of `cls` as it is, with no address
 * written on it: the room then reads the same address off the request
 * itself ({@link RoomIdentity.learn}): its id from its Durable Object name,
 * its party from the class (served under `party` alone), and the rest of
 * the path from the URL, which the router matched with the same rules. A
 * request carrying any address header must be copied, so that a client
 * cannot choose its own. Saves the copy on every join through the Worker.
 *
 * @example
 * ```ts
 * const forward = urlTellsAddress(request, Chat, "chat") ? request : addressTo(request, address);
 * ```
 */
export function urlTellsAddress(request: Request, cls: object, party: string): boolean {
  if (partyOfClass.get(cls) !== party || servesSeveral.has(cls)) return false;
  return !carriesAddress(request.headers);
}

/** Whether any of roomkit's address headers is set (by roomkit, or forged by a client). */
function carriesAddress(headers: Headers): boolean {
  return headers.has(PARTY_HEADER) || headers.has(ROOM_HEADER) || headers.has(REST_HEADER);
}

/**
 * `request` addressed to `address` (any address a client sent is
 * replaced): a copy, whose headers are mutable, or with `owned`, `request`
 * itself, for a request roomkit made and nobody else holds (its headers are
 * mutable already).
 *
 * @example
 * ```ts
 * const res = await stub.fetch(addressTo(request, { party: "chat", room: "lobby", rest: "" }));
 * ```
 */
export function addressTo(request: Request, address: PartialAddress, owned = false): Request {
  const forward = owned ? request : new Request(request);
  forward.headers.set(PARTY_HEADER, address.party);
  forward.headers.set(ROOM_HEADER, encodeURIComponent(address.room));
  if (address.rest !== undefined) forward.headers.set(REST_HEADER, address.rest);
  else forward.headers.delete(REST_HEADER);
  return forward;
}

/**
 * Records the address parsed for `request` (by the router, before an edge hook runs).
 *
 * @example
 * ```ts
 * remember(forward, route);
 * await Server.onBeforeConnect(forward, lobby, ctx); // the hook may call routeOf(forward)
 * ```
 */
export function remember(request: object, address: RoomAddress): void {
  routes.set(request, { party: address.party, room: address.room, rest: address.rest });
}

/**
 * The party, room and rest of the path a request was routed by, for a
 * request an edge hook or a room hook received from roomkit; `undefined`
 * for any other request.
 *
 * @example
 * ```ts
 * static onBeforeRequest(req: Party.Request) {
 *   if (routeOf(req)?.rest.startsWith("/admin")) return new Response("Forbidden", { status: 403 });
 *   return req;
 * }
 * ```
 */
export function routeOf(request: object): RoomAddress | undefined {
  return routes.get(request);
}

/**
 * A room's identity, as its host learns it from the requests it receives.
 * The room id comes from the Durable Object id when it has a name (every
 * room roomkit addresses is reached by name), else from the address; the
 * party from the address, else from the class's declaration, else `main`.
 *
 * @example
 * ```ts
 * const identity = new RoomIdentity(ctx, Host);
 * const address = identity.learn(request);
 * const clean = identity.strip(request, address); // what user code sees; routeOf(clean) is the address
 * ```
 */
export class RoomIdentity {
  #room: string | undefined;
  #party: string | undefined;
  /** `ctx.id.name`, read once: it never changes, and every request needs it (a native call each time otherwise). */
  readonly #name: string | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly cls: object,
  ) {
    this.#name = ctx.id.name;
    if (this.#name === undefined) this.#recall();
  }

  /**
   * Writes the room's address down, once per room, so that an alarm waking
   * the object with no name and no request still finds it (see
   * ADDRESS_TABLE). The scheduler calls it before an instance first writes a
   * timer: only an alarm wakes an object without a request.
   */
  keep(sql: SqlStorage): void {
    const room = this.#name ?? this.#room;
    if (room === undefined || tableExists(sql, ADDRESS_TABLE)) return;
    sql.exec(`CREATE TABLE ${ADDRESS_TABLE} AS SELECT ? AS party, ? AS room`, this.party, room);
  }

  /** Reads the address {@link keep} wrote, for an instance started without a name. */
  #recall(): void {
    let row: { party: string; room: string } | undefined;
    try {
      const sql = this.ctx.storage.sql;
      if (!tableExists(sql, ADDRESS_TABLE)) return;
      row = sql.exec<{ party: string; room: string }>(`SELECT party, room FROM ${ADDRESS_TABLE}`).toArray()[0];
    } catch {
      return; // a key-value-backed object has no SQL, and no timers either
    }
    if (row) {
      this.#party = row.party;
      this.#room = row.room;
    }
  }

  /**
   * Reads the address off `request` and remembers party and room for this
   * instance. A request sent straight to the object (a user's own stub) has
   * none: its address is what the room already knows. The rest of the path
   * comes from the address header, else it is left for {@link strip} to read
   * from the URL: only a hook that reads the request needs it, and most joins
   * have none.
   */
  learn(request: Request): PartialAddress {
    const party = request.headers.get(PARTY_HEADER);
    // addressTo() always writes the party: without it, the request carries no address of roomkit's.
    if (party === null) {
      // Sent as is (urlTellsAddress) into an isolate where the routes were never declared (they were
      // prepared on a first request, not at module scope): the party its URL names, as the router read it.
      if (this.#party === undefined && !partyOfClass.has(this.cls)) this.#party = partyInUrl(request.url);
      return { party: this.party, room: this.roomForLogs() };
    }
    const room = request.headers.get(ROOM_HEADER);
    if (party) this.#party = party;
    if (room && this.#name === undefined) this.#room = safeDecode(room);
    return { party: this.party, room: this.roomForLogs(), rest: request.headers.get(REST_HEADER) ?? undefined };
  }

  /**
   * `request` as user code sees it: without the address headers (the same
   * object when it has none), remembered for {@link routeOf} with the rest of
   * its path (read from its URL when the address did not carry it).
   */
  strip(request: Request, address: PartialAddress): Request {
    let clean = request;
    if (carriesAddress(request.headers)) {
      const headers = new Headers(request.headers);
      headers.delete(PARTY_HEADER);
      headers.delete(ROOM_HEADER);
      headers.delete(REST_HEADER);
      clean = new Request(request, { headers });
    }
    remember(clean, { party: address.party, room: address.room, rest: address.rest ?? restInUrl(request.url, address.party) });
    return clean;
  }

  /**
   * The `ctx` of `getConnectionTags` and `onConnect`: its `request` is
   * {@link strip}ped on first read. The copy costs more than the rest of a
   * join, and most joins have no hook that reads it.
   */
  joinContext(request: Request, address: PartialAddress): ConnectionContext {
    const identity = this;
    let clean: Request | undefined;
    // An own, enumerable `request`, as PartyKit's plain `{ request }`: user code may spread or log ctx.
    return {
      get request() {
        return (clean ??= identity.strip(request, address)) as never;
      },
    };
  }

  /** The room id; throws for an object not addressed by name. */
  get room(): string {
    const id = this.#name ?? this.#room;
    if (id === undefined) {
      throw new RoomkitError(
        "This room's id is unknown: roomkit rooms must be addressed by name (idFromName / getByName), e.g. through createWorker() or room.context.parties.",
      );
    }
    return id;
  }

  /** The party name. */
  get party(): string {
    return this.#party ?? partyOfClass.get(this.cls) ?? "main";
  }

  /** `party/room` for logs: never throws (the object's hex id stands in for an unknown room id). */
  forLogs(): string {
    return `${this.party}/${this.roomForLogs()}`;
  }

  /** The room id, or the object's hex id when the name is not known. */
  roomForLogs(): string {
    return this.#name ?? this.#room ?? this.ctx.id.toString();
  }
}

/** The path after the room segment of a party URL (`/parties/:party/:room/…` or `/party/:room/…`), else `""`. */
function restInUrl(url: string, party: string): string {
  const route = matchRoute(pathOf(url), [party, "main"]);
  return route.kind === "room" ? route.rest : "";
}

/** The party a URL of the Worker's routes names (`/parties/:party/…`, `main` for `/party/…`), if it addresses a room. */
function partyInUrl(url: string): string | undefined {
  const route = matchRoute(pathOf(url), "any");
  return route.kind === "room" ? route.party : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
