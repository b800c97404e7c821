/**
 * The Worker side of roomkit: {@link routeRoomkitRequest} routes party URLs
 * to rooms and runs the static edge hooks (`onBeforeConnect`,
 * `onBeforeRequest`) before any Durable Object is touched; it mounts in any
 * Worker or router (Hono, itty-router, a hand-written `fetch`).
 * {@link createWorker} is the preset that makes it a whole Worker, with the
 * main party's `onFetch` and a 404 for everything else.
 * @module
 */
import { RoomkitError, errorResponse, internalErrorResponse, logError } from "./errors.js";
import { declareParty, remember } from "./identity.js";
import { defaultBindingName, partyNameProblem } from "./names.js";
import { fetchAsset, partiesFor, registerParty, sendToRoom, type Forwarding } from "./parties.js";
import type { PartyClass } from "./party.js";
import { matchRoute, type RoomRoute } from "./router.js";
import { pathOf } from "./url-parts.js";
import type { FetchLobby, Lobby } from "./types.js";
import { hasEdgeHook, isUpgrade, runEdgeHook } from "./edge-hook.js";

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

/** What {@link routeRoomkitRequest} routes: the parties by URL name, and CORS. */
export type RoomkitRoutes = WorkerOptions & {
  /** Party names as they appear in URLs (`/parties/<name>/<room>`) → classes made by `party()`; `main` also answers `/party/<room>`. */
  parties: Record<string, PartyClass>;
};

type Env = Record<string, unknown>;
/** The Workers execution context as routers hand it on (Hono's `c.executionCtx`, a Worker's `ctx`). */
export type ExecutionContextLike = { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void };
type Prepared = { parties: Record<string, PartyClass>; names: string[]; cors: Headers | undefined };

const prepared = new WeakMap<RoomkitRoutes, Prepared>();

/**
 * Validates `routes` and registers its parties in this isolate (their
 * bindings, and each class's party name). Call it at module scope: rooms
 * share the isolate, and a room woken by its alarm must know its party
 * before any request arrives. `createWorker()` does it for you;
 * {@link routeRoomkitRequest} does it on first use otherwise.
 *
 * @example
 * ```ts
 * export const routes = defineRoutes({ parties: { main: Main, chat: Chat }, cors: true });
 * ```
 */
export function defineRoutes(routes: RoomkitRoutes): RoomkitRoutes {
  prepare(routes);
  return routes;
}

function prepare(routes: RoomkitRoutes): Prepared {
  let p = prepared.get(routes);
  if (p) return p;
  for (const [name, cls] of Object.entries(routes.parties)) {
    const problem = partyNameProblem(name);
    if (problem) throw new RoomkitError(`Party name "${name}": ${problem.replace(/^invalid party name "[^"]*": /, "")}.`);
    if (typeof cls !== "function" || !("server" in cls)) {
      throw new RoomkitError(`createWorker({ ${name} }): expected a class made by party(), got ${typeof cls}.`);
    }
    registerParty(name, cls.binding ?? defaultBindingName(name));
    declareParty(cls, name);
  }
  const cors = routes.cors ? corsHeaders(routes.cors === true ? {} : routes.cors) : undefined;
  p = { parties: routes.parties, names: Object.keys(routes.parties), cors };
  prepared.set(routes, p);
  return p;
}

/**
 * Routes a request for a room (`/parties/:party/:room[/…]`, `/party/:room[/…]`)
 * to that room, through the party's edge hooks; resolves to `null` for any
 * other URL, so the caller answers it. A path under the party prefixes that
 * names no valid room gets its 400/404 here.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * const routes = defineRoutes({ parties: { main: Main } });
 * const app = new Hono<{ Bindings: Env }>();
 * app.get("/health", (c) => c.text("ok"));
 * app.all("*", async (c) => (await routeRoomkitRequest(c.req.raw, c.env, c.executionCtx, routes)) ?? c.notFound());
 * export default app;
 * ```
 */
export async function routeRoomkitRequest(request: Request, env: Env, ctx: ExecutionContextLike, routes: RoomkitRoutes): Promise<Response | null> {
  return routeToRoom(request, env, ctx as ExecutionContext, routes);
}

/**
 * {@link routeRoomkitRequest}'s work with no async frame of its own, as
 * `createWorker` calls it: every join passes here, and each async function
 * on the way cost a join a promise, a suspended frame and a turn. `null`
 * for a URL that is not a room's.
 */
function routeToRoom(request: Request, env: Env, ctx: ExecutionContext, routes: RoomkitRoutes): Response | Promise<Response> | null {
  const { parties, names, cors } = prepare(routes);
  const route = matchRoute(pathOf(request.url), names);
  if (route.kind === "none") return null;
  if (route.kind === "error") return withCors(errorResponse(route.status, route.reason), cors);
  if (cors && request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
  const cls = parties[route.party]!;
  if (hasEdgeHook(cls.server)) return throughEdgeHook(request, env, ctx, cls, route, cors);
  // The request as the client sent it goes as is when the room can read its address off it:
  // no join pays for a copy only roomkit needs.
  return forward(request, env, route, { rest: route.rest, routed: cls }, cors);
}

/** Runs the party's edge hook, then forwards its request (its own copy takes the address in place). */
async function throughEdgeHook(
  request: Request,
  env: Env,
  ctx: ExecutionContext,
  cls: PartyClass,
  route: RoomRoute,
  cors: Headers | undefined,
): Promise<Response> {
  const outcome = await runEdgeHook(cls.server, request, env, route.room, ctx, (copy) => remember(copy, route));
  if ("thrown" in outcome) return withCors(errorResponse(401, outcome.thrown), cors);
  if ("response" in outcome) return isUpgrade(request) ? outcome.response : withCors(outcome.response, cors);
  if ("invalid" in outcome) return withCors(internalErrorResponse(), cors);
  return forward(outcome.request, env, route, { rest: route.rest, owned: outcome.copied }, cors);
}

/** Sends the request to its room; a room that cannot be reached is a 500 (with the reason when it is roomkit's). */
function forward(request: Request, env: Env, route: RoomRoute, how: Forwarding, cors: Headers | undefined): Promise<Response> {
  let sent: Promise<Response>;
  try {
    sent = sendToRoom(env, route.party, route.room, request, how);
  } catch (e) {
    return Promise.resolve(unreachable(e, route, cors));
  }
  return sent.then(
    (res) => (res.status === 101 ? res : withCors(res, cors)),
    (e: unknown) => unreachable(e, route, cors),
  );
}

function unreachable(e: unknown, route: RoomRoute, cors: Headers | undefined): Response {
  logError(`routing to ${route.party}/${route.room}`, e);
  if (e instanceof RoomkitError) return withCors(errorResponse(500, e.message), cors);
  return withCors(internalErrorResponse(), cors);
}

/**
 * Builds the Worker's default export: {@link routeRoomkitRequest} for party
 * URLs, the main party's `onFetch` for the rest, else a 404. Keys are party
 * names as they appear in URLs (`/parties/<name>/<room>`); `main` also
 * answers `/party/<room>`.
 *
 * @example
 * ```ts
 * export const Main = party(Counter);
 * export default createWorker({ main: Main }, { cors: true });
 * ```
 */
export function createWorker(parties: Record<string, PartyClass>, options: WorkerOptions = {}): ExportedHandler<Env> {
  const routes = defineRoutes({ ...options, parties });
  return {
    fetch(request, env, ctx) {
      const req = request as unknown as Request;
      return routeToRoom(req, env, ctx, routes) ?? fallback(req, env, ctx, parties.main);
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
    assets: { fetch: (path) => fetchAsset(env, path) },
  };
}

/**
 * The `lobby` edge hooks receive (also used by roomkit/streams).
 *
 * @example
 * ```ts
 * await Server.onBeforeConnect(request, lobby(env, "room-1"), ctx);
 * ```
 */
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
