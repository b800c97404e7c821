/**
 * `streams()`: the Worker side of roomkit/streams. Maps URLs under a prefix
 * to stream objects, runs the class's edge hooks, answers CORS, and holds
 * live readers (long-poll and SSE) in the Worker, fed by a hibernatable
 * subscriber socket to the object, so idle readers never keep it awake.
 * @module
 */
import { isUpgrade, runEdgeHook } from "../edge-hook.js";
import { internalErrorResponse, logError } from "../errors.js";
import type { PartyClass } from "../party.js";
import { fromBase64, toBase64 } from "../base64.js";
import { EXPOSED_HEADERS, H, SECURITY_HEADERS, formatOffset, isJsonType, isTextType, nextCursor } from "./protocol.js";
import { problem, streamResponse } from "./responses.js";
import { INTERNAL, INTERNAL_ORIGIN, INTERNAL_PREFIX, sendToStream, type SubscriberMessage } from "./wire.js";

/** Options of `streams()`. */
export type StreamsOptions = {
  /** The Durable Object class made by `party(YourStreamRoom)`; its static `onBeforeRequest` / `onBeforeConnect` run first. */
  party: PartyClass;
  /** Its binding in wrangler.toml. Default: the class's `party(…, { binding })`, else `STREAMS`. */
  binding?: string;
  /** URL prefix of stream paths. Default `/v1/stream/` (the protocol's own servers use it). */
  prefix?: string;
  /** How long a long-poll waits for data before answering 204. Default 20 000 ms. */
  longPollTimeoutMs?: number;
  /** SSE responses end after this long so clients reconnect (and CDNs can collapse them), §10.2. Default 60 000 ms. */
  sseMaxDurationMs?: number;
  /** `Access-Control-Allow-Origin`; `false` sends no CORS headers. Default `*`. */
  corsOrigin?: string | false;
};

/** Longest stream name accepted (decoded), in characters. */
export const MAX_STREAM_NAME_LENGTH = 1024;

type Env = Record<string, unknown>;
type Handler = (request: Request, env: Env, ctx: ExecutionContext) => Promise<Response | null>;

/**
 * Serves the Durable Streams protocol under `prefix`. Returns `null` for URLs
 * outside it, so it composes with `createWorker()` or any other router.
 *
 * @example
 * const serveStreams = streams({ party: Streams });             // /v1/stream/*
 * const rooms = createWorker({ main: Main });
 * export default {
 *   async fetch(request, env, ctx) {
 *     return (await serveStreams(request, env, ctx)) ?? rooms.fetch!(request, env, ctx);
 *   },
 * };
 */
export function streams(options: StreamsOptions): Handler {
  const prefix = options.prefix ?? "/v1/stream/";
  if (!prefix.startsWith("/") || !prefix.endsWith("/")) throw new Error(`streams({ prefix }): "${prefix}" must start and end with "/".`);
  const binding = options.binding ?? options.party.binding ?? "STREAMS";
  const party = "streams";
  const Server = options.party.server;
  const longPollMs = options.longPollTimeoutMs ?? 20_000;
  const sseMs = options.sseMaxDurationMs ?? 60_000;
  const cors = options.corsOrigin === false ? undefined : corsHeaders(options.corsOrigin ?? "*");

  return async (request, env, ctx) => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(prefix)) return null;
    const name = streamName(url.pathname.slice(prefix.length));
    if (typeof name !== "string") return withCors(name, cors);
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
    try {
      const upgrade = isUpgrade(request);
      const outcome = await runEdgeHook(Server, request, env, name, ctx);
      if ("thrown" in outcome) return withCors(problem(401, outcome.thrown), cors);
      if ("response" in outcome) return upgrade ? outcome.response : withCors(outcome.response, cors);
      if ("invalid" in outcome) return withCors(withSecurity(internalErrorResponse()), cors);
      const forward = outcome.request;
      const headers = new Headers(forward.headers);
      for (const key of [...headers.keys()]) if (key.startsWith(INTERNAL_PREFIX)) headers.delete(key);
      const forkedFrom = headers.get(H.forkedFrom);
      if (forkedFrom !== null && request.method === "PUT") {
        const source = forkedFrom.startsWith(prefix) ? streamName(forkedFrom.slice(prefix.length)) : null;
        if (typeof source !== "string") return withCors(problem(400, `Stream-Forked-From must be a stream path under ${prefix}.`), cors);
        headers.set(INTERNAL.source, source);
      }
      const target = new Request(`${INTERNAL_ORIGIN}/${url.search}`, { method: forward.method, headers, body: forward.body });
      const send = (req: Request) => sendToStream(env, binding, party, name, req);

      if (upgrade) return await send(target);
      const live = request.method === "GET" ? url.searchParams.get("live") : null;
      if (live === "sse") return withCors(await sse(send, target, url, sseMs), cors);
      let res = await send(target);
      if (live === "long-poll" && res.headers.has(INTERNAL.wait)) res = await longPoll(send, res, url, longPollMs);
      if (res.status === 201) {
        res = new Response(res.body, res);
        res.headers.set("location", url.origin + url.pathname);
      }
      return withCors(res, cors);
    } catch (e) {
      logError(`streams ${request.method} ${name.slice(0, 100)}`, e);
      return withCors(withSecurity(internalErrorResponse()), cors);
    }
  };
}

/** Decodes and checks the part of a path after the prefix; a 400/404 response when it names no stream. */
function streamName(raw: string): string | Response {
  if (raw === "") return problem(404, "No stream path: streams live at <prefix><path>.");
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return problem(400, "The stream path is not valid percent-encoded UTF-8.");
  }
  if (name.length > MAX_STREAM_NAME_LENGTH) return problem(400, `The stream path is longer than ${MAX_STREAM_NAME_LENGTH} characters.`);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return problem(400, "The stream path must not contain control characters.");
  if (name.split("/").some((s) => s === "." || s === "..")) return problem(400, 'The stream path must not contain "." or ".." segments.');
  if (name === "__ds" || name.startsWith("__ds/"))
    return problem(404, "Paths under __ds are reserved for Durable Streams control APIs, which this server does not offer.");
  return name;
}

type Send = (request: Request) => Promise<Response>;

/** Opens a subscriber socket on the stream's object, from position `from`. */
async function subscribe(send: Send, from: number): Promise<WebSocket | null> {
  const res = await send(new Request(`${INTERNAL_ORIGIN}/?subscribe=${from}`, { headers: { upgrade: "websocket" } }));
  const ws = (res as unknown as { webSocket?: WebSocket | null }).webSocket;
  if (!ws) return null;
  ws.accept();
  return ws;
}

/** Runs `onMessage` for each subscriber message until it returns true, the socket ends or `ms` pass. */
function listen(
  ws: WebSocket,
  ms: number,
  onMessage: (msg: SubscriberMessage) => boolean | void,
  gone?: Promise<unknown>,
): Promise<"done" | "timeout" | "ended"> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish("timeout"), ms);
    // The client went away (an SSE reader disconnected): stop holding the subscriber socket.
    gone?.then(
      () => finish("ended"),
      () => finish("ended"),
    );
    const finish = (how: "done" | "timeout" | "ended") => {
      clearTimeout(timer);
      try {
        ws.close(1000, "done");
      } catch {
        // already closed
      }
      resolve(how);
    };
    ws.addEventListener("message", (e) => {
      let msg: SubscriberMessage;
      try {
        msg = JSON.parse(e.data as string) as SubscriberMessage;
      } catch {
        return;
      }
      if (onMessage(msg)) finish("done");
    });
    ws.addEventListener("close", () => finish("ended"));
    ws.addEventListener("error", () => finish("ended"));
  });
}

/** A long-poll at the tail: wait on a subscriber socket for the next append, the close, or the timeout (§5.7). */
async function longPoll(send: Send, waiting: Response, url: URL, ms: number): Promise<Response> {
  const from = Number(waiting.headers.get(INTERNAL.wait));
  const contentType = waiting.headers.get("content-type") ?? "application/octet-stream";
  const cursor = nextCursor(url.searchParams.get("cursor"));
  const idle = (closed: boolean, next: number) =>
    streamResponse(204, { [H.nextOffset]: formatOffset(next), [H.upToDate]: "true", ...(closed ? { [H.closed]: "true" } : { [H.cursor]: cursor }) });
  const ws = await subscribe(send, from);
  if (!ws) return idle(false, from);
  let answer: Response | undefined;
  await listen(ws, ms, (msg) => {
    if (msg.t === "gone") {
      answer = problem(404, "Stream not found.");
      return true;
    }
    if (msg.t === "ready") {
      if (msg.closed) answer = idle(true, msg.next);
      return msg.closed;
    }
    const body = isJsonType(contentType) ? `[${msg.data}]` : fromBase64(msg.data);
    const headers: Record<string, string> = {
      "content-type": contentType,
      [H.nextOffset]: formatOffset(msg.next),
      [H.upToDate]: "true",
      "cache-control": "no-store",
      etag: `"live:${formatOffset(from)}:${formatOffset(msg.next)}${msg.closed ? ":c" : ""}"`,
    };
    if (msg.closed) headers[H.closed] = "true";
    else headers[H.cursor] = cursor;
    answer = streamResponse(200, headers, body);
    return true;
  });
  return answer ?? idle(false, from);
}

/** Server-Sent Events (§5.8): catch-up in chunks from the object, then live from a subscriber socket. */
async function sse(send: Send, target: Request, url: URL, ms: number): Promise<Response> {
  const catchUp = (offset: string) => {
    const q = new URLSearchParams(url.search);
    q.delete("live");
    q.set("offset", offset);
    return send(new Request(`${INTERNAL_ORIGIN}/?${q}`, { headers: target.headers }));
  };
  const first = await catchUp(url.searchParams.get("offset") ?? "");
  if (first.status !== 200) return first;
  const contentType = first.headers.get("content-type") ?? "application/octet-stream";
  const json = isJsonType(contentType);
  const base64 = !isTextType(contentType);
  const cursor = nextCursor(url.searchParams.get("cursor"));
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  // A data event and its control event go out in one write: readers that stop
  // at the end of an event must not be left without the control that follows.
  const emit = (payload: string | null, next: string, upToDate: boolean, closed: boolean) => {
    const ctl = {
      streamNextOffset: next,
      ...(closed ? { streamClosed: true, upToDate: true } : { streamCursor: cursor, ...(upToDate ? { upToDate: true } : {}) }),
    };
    const data =
      payload === null
        ? ""
        : `event: data\n${payload
            .split(/\r\n|\r|\n/)
            .map((l) => `data:${l}`)
            .join("\n")}\n\n`;
    return writer.write(encoder.encode(`${data}event: control\ndata:${JSON.stringify(ctl)}\n\n`));
  };

  const pump = async () => {
    const deadline = Date.now() + ms;
    let res = first;
    let next: string;
    for (;;) {
      next = res.headers.get(H.nextOffset)!;
      const upToDate = res.headers.has(H.upToDate);
      const closed = res.headers.has(H.closed);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = base64 ? "" : new TextDecoder().decode(bytes);
      const hasData = json ? text !== "[]" && text !== "" : bytes.byteLength > 0;
      await emit(hasData ? (base64 ? toBase64(bytes) : text) : null, next, upToDate, closed);
      if (closed) return;
      if (upToDate) break;
      res = await catchUp(next);
      if (res.status !== 200) return;
    }
    const ws = await subscribe(send, Number(next.split("_")[1]));
    if (!ws) return;
    let chain = Promise.resolve();
    await listen(
      ws,
      Math.max(0, deadline - Date.now()),
      (msg) => {
        if (msg.t === "gone") return true;
        if (msg.t === "ready") {
          if (msg.closed) chain = chain.then(() => emit(null, formatOffset(msg.next), true, true));
          return msg.closed;
        }
        const payload = json ? `[${msg.data}]` : base64 ? msg.data : new TextDecoder().decode(fromBase64(msg.data));
        chain = chain.then(() => emit(payload, formatOffset(msg.next), true, msg.closed));
        return msg.closed;
      },
      writer.closed,
    );
    await chain;
  };
  void pump()
    .catch((e) => {
      if (!String(e).includes("closed")) logError("streams SSE", e);
    })
    .finally(() => writer.close().catch(() => {}));

  const headers: Record<string, string> = { "content-type": "text/event-stream", "cache-control": "no-cache" };
  if (base64) headers[H.sseEncoding] = "base64";
  return streamResponse(200, headers, readable);
}

function corsHeaders(origin: string): Headers {
  return new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "access-control-allow-headers": "*",
    "access-control-expose-headers": EXPOSED_HEADERS,
    "access-control-max-age": "86400",
    ...SECURITY_HEADERS,
  });
}

function withCors(res: Response, cors: Headers | undefined): Response {
  if (!cors || res.status === 101) return res;
  const out = new Response(res.body, res);
  cors.forEach((v, k) => out.headers.set(k, v));
  return out;
}

function withSecurity(res: Response): Response {
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) out.headers.set(k, v);
  return out;
}
