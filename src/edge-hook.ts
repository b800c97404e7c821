/**
 * A party's edge hook (`static onBeforeConnect` / `onBeforeRequest`), run in
 * the Worker before a request reaches its room or stream: one home for what
 * every entry point must get right.
 *
 * - PartyKit's auth pattern annotates the request in place
 *   (`req.headers.set("X-User-ID", id); return req;`), so the hook gets a copy
 *   whose headers can change, and that copy is what goes on.
 * - A refusal (a Response, a throw, a wrong return) leaves the copy's body
 *   unread, and a moved body left unread costs the client its connection
 *   (src/unread-body.ts): it is drained before the refusal is answered.
 * @module
 */
import { RoomkitError, logError } from "./errors.js";
import type { ServerClass } from "./host.js";
import { drainUnreadBody } from "./unread-body.js";
import { lobby } from "./worker.js";

/** What the hook decided: go on with `request`, or refuse. */
export type EdgeHookOutcome =
  /**
   * `copied`: `request` is the copy the hook received, roomkit's own and held by no one else; false
   * for the request given (no hook ran) and for a Request the hook made itself.
   */
  | { request: Request; copied: boolean }
  /** The hook answered itself (its Response, as is). */
  | { response: Response }
  /** The hook threw: PartyKit refuses with 401 and the error's message. */
  | { thrown: string }
  /** The hook returned something that is neither a Request nor a Response (a developer error, logged here). */
  | { invalid: true };

/**
 * Runs the hook for `request` (when the class has one) and returns what to do next.
 *
 * @example
 * ```ts
 * const outcome = await runEdgeHook(Server, request, env, roomId, ctx);
 * if ("thrown" in outcome) return new Response(outcome.thrown, { status: 401 });
 * if ("response" in outcome) return outcome.response;
 * if ("invalid" in outcome) return new Response("Internal error", { status: 500 }); // already logged
 * return stub.fetch(outcome.request);
 * ```
 */
export async function runEdgeHook(
  Server: ServerClass,
  request: Request,
  env: Record<string, unknown>,
  id: string,
  ctx: ExecutionContext,
  onCopy?: (copy: Request) => void,
): Promise<EdgeHookOutcome> {
  if (!hasEdgeHook(Server)) return { request, copied: false };
  const hookName = isUpgrade(request) ? "onBeforeConnect" : "onBeforeRequest";
  const hook = Server[hookName];
  if (!hook) return { request, copied: false };
  const copy = new Request(request);
  onCopy?.(copy);
  let result: unknown;
  try {
    result = await hook.call(Server, copy as never, lobby(env, id), ctx);
  } catch (e) {
    await drainUnreadBody(copy);
    return { thrown: (e instanceof Error ? e.message : String(e)).slice(0, 500) || "Unauthorized" };
  }
  if (result instanceof Request) return { request: result, copied: result === copy };
  if (result === undefined) return { request: copy, copied: true };
  await drainUnreadBody(copy);
  if (result instanceof Response) return { response: result };
  logError(`${Server.name}.${hookName}`, new RoomkitError("must return a Request or a Response"));
  return { invalid: true };
}

/** Whether the class has an edge hook at all: most have neither, and their joins skip this module (and reading the upgrade header). */
export function hasEdgeHook(Server: ServerClass): boolean {
  return Boolean(Server.onBeforeConnect || Server.onBeforeRequest);
}

/** Whether `request` asks for a WebSocket (and so meets `onBeforeConnect`, not `onBeforeRequest`). */
export function isUpgrade(request: Request): boolean {
  return request.headers.get("upgrade")?.toLowerCase() === "websocket";
}
