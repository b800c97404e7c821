/**
 * `createWorker(parties)`: the Worker entry that routes party URLs to rooms and
 * runs the static edge hooks (`onBeforeConnect`, `onBeforeRequest`, `onFetch`)
 * before any Durable Object is touched.
 * @module
 */
import { RoomkitError, errorResponse, internalErrorResponse, logError } from "./errors.js";
import { type PartyClass, setPartyName } from "./party.js";
import { defaultBindingName, partiesFor, partyNames, registerParty, sendToRoom } from "./parties.js";
import { matchRoute } from "./router.js";
import type { FetchLobby, Lobby } from "./types.js";

/** CORS for party URLs: `true` allows any origin. */
export type CorsOptions = {
  /** `Access-Control-Allow-Origin`. Default `*`. */
  origin?: string;
  /** `Access-Control-Allow-Methods`. Default `GET, POST, PUT, PATCH, DELETE, OPTIONS`. */
  methods?: string;
  /** `Access-Control-Allow-Headers`. Default `*`. */
  headers?: string;
};

/** Options of `createWorker()`. */
export type WorkerOptions = {
  /** Adds CORS headers to party HTTP responses and answers preflight requests. Default off. */
  cors?: boolean | CorsOptions;
};

type Env = Record<string, unknown>;

/**
 * Builds the Worker's default export. Keys are party names as they appear in
 * URLs (`/parties/<name>/<room>`); `main` also answers `/party/<room>`.
 */
export function createWorker(parties: Record<string, PartyClass>, options: WorkerOptions = {}): ExportedHandler<Env> {
  for (const [name, cls] of Object.entries(parties)) {
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) {
      throw new RoomkitError(`Party name "${name}" must be letters, digits, "-" or "_" (it appears in URLs).`);
    }
    if (typeof cls !== "function" || !("server" in cls)) {
      throw new RoomkitError(`createWorker({ ${name} }): expected a class made by party(), got ${typeof cls}.`);
    }
    registerParty(name, cls.binding ?? defaultBindingName(name));
    setPartyName(cls, name);
  }
  const names = Object.keys(parties);
  const cors = options.cors ? corsHeaders(options.cors === true ? {} : options.cors) : undefined;

  return {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      const route = matchRoute(url.pathname, names);
      if (route.kind === "none") return fallback(request, env, ctx, parties.main);
      if (route.kind === "error") return withCors(errorResponse(route.status, route.reason), cors);
      if (cors && request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });

      const Server = parties[route.party].server;
      const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
      const hook = upgrade ? Server.onBeforeConnect : Server.onBeforeRequest;
      let forward: Request = request as unknown as Request;
      if (hook) {
        // PartyKit's auth pattern annotates the request in place
        // (`req.headers.set("X-User-ID", id); return req;`): the hook gets a copy
        // whose headers can change, and that copy is what the room receives.
        forward = new Request(request);
        let result: unknown;
        try {
          result = await hook.call(Server, forward as never, lobby(env, route.room), ctx);
        } catch (e) {
          // PartyKit semantics: a throw in an edge hook refuses the request with its message.
          return withCors(errorResponse(401, (e instanceof Error ? e.message : String(e)).slice(0, 500) || "Unauthorized"), cors);
        }
        if (result instanceof Response) return upgrade ? result : withCors(result, cors);
        if (result instanceof Request) forward = result;
        else if (result !== undefined) {
          logError(`${Server.name}.${upgrade ? "onBeforeConnect" : "onBeforeRequest"}`, new RoomkitError("must return a Request or a Response"));
          return withCors(internalErrorResponse(), cors);
        }
      }
      try {
        const res = await sendToRoom(env, route.party, route.room, forward);
        return res.status === 101 ? res : withCors(res, cors);
      } catch (e) {
        logError(`routing to ${route.party}/${route.room}`, e);
        if (e instanceof RoomkitError) return withCors(errorResponse(500, e.message), cors);
        return withCors(internalErrorResponse(), cors);
      }
    },
  };
}

async function fallback(request: Request, env: Env, ctx: ExecutionContext, main: PartyClass | undefined): Promise<Response> {
  const onFetch = main?.server.onFetch;
  if (onFetch) {
    try {
      const res = await onFetch.call(main.server, request as never, fetchLobby(env), ctx);
      if (res) return res as unknown as Response;
    } catch (e) {
      logError(`${main.server.name}.onFetch`, e);
      return internalErrorResponse();
    }
  }
  return errorResponse(404, "Not found. Rooms live at /parties/:party/:room.");
}

function fetchLobby(env: Env): FetchLobby {
  return {
    env,
    parties: partiesFor(env),
    ai: {},
    vectorize: {},
    bindings: { r2: {}, kv: {} },
    analytics: undefined as never,
    assets: {
      fetch: async (path) => {
        const assets = env.ASSETS as Fetcher | undefined;
        if (!assets) return null;
        const res = await assets.fetch(new URL(path, "https://assets.local").toString());
        return res.ok ? (res as unknown as Response) : null;
      },
    },
  };
}

/** The `lobby` edge hooks receive (also used by roomkit/streams). */
export function lobby(env: Env, id: string): Lobby {
  return { ...fetchLobby(env), id };
}

function corsHeaders(o: CorsOptions): Headers {
  return new Headers({
    "access-control-allow-origin": o.origin ?? "*",
    "access-control-allow-methods": o.methods ?? "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "access-control-allow-headers": o.headers ?? "*",
  });
}

function withCors(res: Response, cors: Headers | undefined): Response {
  if (!cors) return res;
  const out = new Response(res.body, res);
  cors.forEach((v, k) => out.headers.set(k, v));
  return out;
}

/** Re-exported so tests and tools can enumerate what createWorker registered. */
export { partyNames };
