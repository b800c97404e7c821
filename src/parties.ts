/**
 * The deployment's parties: which party name maps to which Durable Object
 * binding, and stubs to reach any room of any party in-process.
 * @module
 */
import { RoomkitError } from "./errors.js";
import { addressTo, urlTellsAddress } from "./identity.js";
import { defaultBindingName } from "./names.js";
import { validateRoomId } from "./router.js";
import type { Parties, Stub } from "./types.js";
/**
 * Names the room that sent a request, when roomkit's own helpers call another
 * room in-process with {@link sendToRoom}'s `caller` (e.g. a game room
 * reporting to its lobby). Every other request — the Worker's, and user
 * stubs' — has it removed, so no client can carry it.
 */
export const CALLER_HEADER = "x-roomkit-caller";

/** The room a request came from, for requests roomkit's helpers send between rooms. */
export type Caller = { party: string; room: string };

/**
 * Who sent `request`: the calling room, or `undefined` for anything that
 * entered through the Worker or a user's stub.
 *
 * @example
 * ```ts
 * const from = callerOf(req);
 * if (from?.party !== "arena") return new Response("Forbidden", { status: 403 });
 * ```
 */
export function callerOf(request: { headers: Headers }): Caller | undefined {
  const value = request.headers.get(CALLER_HEADER);
  const slash = value?.indexOf("/") ?? -1;
  if (!value || slash < 0) return undefined;
  try {
    return { party: decodeURIComponent(value.slice(0, slash)), room: decodeURIComponent(value.slice(slash + 1)) };
  } catch {
    return undefined;
  }
}

// Party name → binding name. Filled by createWorker() at module load, which
// runs in the same isolate as the Durable Objects, so rooms see it too.
const registry = new Map<string, string>();

/**
 * Records that `party` is served by the Durable Object binding `binding` (called by the router at module load).
 *
 * @example
 * ```ts
 * registerParty("chat", "CHAT");
 * ```
 */
export function registerParty(party: string, binding: string): void {
  registry.set(party, binding);
}

/**
 * The party names registered in this isolate.
 *
 * @example
 * ```ts
 * partyNames(); // ["main", "chat"]
 * ```
 */
export function partyNames(): string[] {
  return [...registry.keys()];
}

/**
 * The namespace of `party` in `env`, or a RoomkitError naming what to add to wrangler.toml.
 *
 * @example
 * ```ts
 * const ns = namespaceOf(env, "chat");
 * ```
 */
export function namespaceOf(env: Record<string, unknown>, party: string): DurableObjectNamespace {
  const binding = registry.get(party) ?? defaultBindingName(party);
  const ns = env[binding] as DurableObjectNamespace | undefined;
  if (!ns || typeof (ns as { idFromName?: unknown }).idFromName !== "function") {
    throw new RoomkitError(
      `Party "${party}" needs a Durable Object binding named "${binding}" ` +
        `(wrangler.toml: [[durable_objects.bindings]] name = "${binding}"), but env.${binding} is ${ns === undefined ? "missing" : "not a Durable Object namespace"}.`,
    );
  }
  return ns;
}

/** How {@link sendToRoom} forwards a request. */
export type Forwarding = {
  /** The room that is asking (roomkit's own helpers only: e.g. a game room reporting to its lobby). */
  caller?: Caller;
  /** The path after the room segment, when the sender parsed it (the room reads it from the URL otherwise). */
  rest?: string;
  /** The request is roomkit's own, made for this call and held by nobody else: addressed in place, not copied. */
  owned?: boolean;
  /**
   * The class the Worker's router matched the request's own URL to: the request may then go as it
   * is, the room reading the same address off it (`urlTellsAddress`).
   */
  routed?: object;
};

/**
 * Sends `request` to room `room` of `party`, telling the room who it is (and,
 * with `caller`, which room is asking).
 *
 * @example
 * ```ts
 * const res = await sendToRoom(env, "lobby", "eu", new Request(url), { caller: { party: room.name, room: room.id }, owned: true });
 * ```
 */
export function sendToRoom(env: Record<string, unknown>, party: string, room: string, request: Request, how: Forwarding = {}): Promise<Response> {
  const ns = namespaceOf(env, party);
  const stub = ns.get(ns.idFromName(room));
  if (how.routed && !how.caller && !request.headers.has(CALLER_HEADER) && urlTellsAddress(request, how.routed, party)) {
    return stub.fetch(request as never) as unknown as Promise<Response>;
  }
  // The address overwrites any a client sent itself (on a copy, unless the request is roomkit's own).
  const forward = addressTo(request, { party, room, rest: how.rest }, how.owned);
  if (how.caller) forward.headers.set(CALLER_HEADER, `${encodeURIComponent(how.caller.party)}/${encodeURIComponent(how.caller.room)}`);
  else forward.headers.delete(CALLER_HEADER);
  return stub.fetch(forward as never) as unknown as Promise<Response>;
}

/**
 * `room.context.parties` / `lobby.parties`: one entry per registered party.
 *
 * @example
 * ```ts
 * const res = await partiesFor(env).chat.get("lobby").fetch("/stats");
 * ```
 */
export function partiesFor(env: Record<string, unknown>): Parties {
  const parties: Parties = {};
  for (const party of registry.keys()) {
    Object.defineProperty(parties, party, {
      enumerable: true,
      get: () => ({ get: (id: string) => stubFor(env, party, id) }),
    });
  }
  return parties;
}

function stubFor(env: Record<string, unknown>, party: string, room: string): Stub {
  const valid = validateRoomId(room);
  if (typeof valid !== "string") throw new RoomkitError(`parties.${party}.get(${JSON.stringify(room).slice(0, 80)}): ${valid.reason}`);
  const base = `https://roomkit.internal/parties/${encodeURIComponent(party)}/${encodeURIComponent(room)}`;
  const toRequest = (pathOrInit?: unknown, init?: unknown, upgrade = false): Request => {
    let path = "";
    let reqInit: RequestInit | Request | undefined;
    if (typeof pathOrInit === "string") {
      path = pathOrInit === "" || pathOrInit.startsWith("/") || pathOrInit.startsWith("?") ? pathOrInit : `/${pathOrInit}`;
      reqInit = init as RequestInit | undefined;
    } else {
      reqInit = pathOrInit as RequestInit | Request | undefined;
    }
    const request = new Request(base + path, reqInit);
    if (upgrade) request.headers.set("upgrade", "websocket");
    return request;
  };
  const fetchRoom = (pathOrInit?: unknown, init?: unknown) => sendToRoom(env, party, room, toRequest(pathOrInit, init), { owned: true });
  return {
    fetch: fetchRoom as Stub["fetch"],
    socket: (async (pathOrInit?: unknown, init?: unknown) => {
      const res = await sendToRoom(env, party, room, toRequest(pathOrInit, init, true), { owned: true });
      const ws = (res as unknown as { webSocket?: WebSocket | null }).webSocket;
      if (!ws) throw new RoomkitError(`parties.${party}.get("${room}").socket(): the room answered ${res.status} instead of accepting a WebSocket.`);
      ws.accept();
      // Newer compatibility dates deliver binary frames as Blob; PartyKit code (msgpack, socket.io-style adapters) expects ArrayBuffer.
      (ws as { binaryType?: string }).binaryType = "arraybuffer";
      return ws;
    }) as Stub["socket"],
    connect: () => {
      throw new RoomkitError("Stub.connect() is not supported (it is deprecated in PartyKit too): use `await stub.socket()`.");
    },
  };
}

/**
 * Fetches a static asset of this deployment through the `ASSETS` binding;
 * `null` when there is none or the asset is missing.
 *
 * @example
 * ```ts
 * const page = await fetchAsset(env, "/index.html");
 * ```
 */
export async function fetchAsset(env: Record<string, unknown>, path: string): Promise<Response | null> {
  const assets = env.ASSETS as Fetcher | undefined;
  if (!assets) return null;
  const res = await assets.fetch(new URL(path, "https://assets.local").toString());
  return res.ok ? (res as unknown as Response) : null;
}
