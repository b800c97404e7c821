/**
 * `TestSocket`: a client WebSocket with an inbox, and `connect()`, which opens
 * one through a Worker's `fetch` (so the Worker's routing and edge hooks run,
 * as for a browser).
 * @module
 */

/** Anything with a Workers-style `fetch`, e.g. `SELF` from `cloudflare:test`. */
export type FetcherLike = { fetch(input: string | Request, init?: RequestInit): Promise<Response> };

/** How a socket closed. */
export type CloseInfo = { code: number; reason: string };

/** A message as received: text frames are strings, binary frames ArrayBuffers. */
export type Message = string | ArrayBuffer;

type Waiter = { match: (m: Message) => boolean; resolve: (m: Message) => void; reject: (e: Error) => void };

/**
 * The server answered a WebSocket request without upgrading (e.g. a 401 from
 * `onBeforeConnect`): `status` and `body` say why.
 *
 * @example
 * await expect(room.connect()).rejects.toMatchObject({ status: 401, body: "Missing token" });
 */
export class ConnectionRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly path: string,
  ) {
    super(`expected a WebSocket from ${path}, got ${status}: ${body}`);
    this.name = "ConnectionRefused";
  }
}

/**
 * A client WebSocket with an inbox: every message is kept until a test reads
 * it, in order, so nothing is missed between two `await`s.
 *
 * @example
 * const ws = await room.connect({ id: "alice" });
 * expect(await ws.nextJSON<{ count: number }>()).toEqual({ count: 0 });
 * await ws.waitForJSON<{ type: string }>((m) => m.type === "ready");
 * await ws.expectSilence(50);
 */
export class TestSocket {
  readonly #inbox: Message[] = [];
  readonly #waiters: Waiter[] = [];
  /** Told of every arriving message before it is delivered (used to watch for silence). */
  readonly #watchers = new Set<(m: Message | undefined) => void>();
  #close: CloseInfo | undefined;
  /** Resolves when the socket closes (from either side, or on error), with the code and reason. */
  readonly closed: Promise<CloseInfo>;

  constructor(readonly ws: WebSocket) {
    let done!: (c: CloseInfo) => void;
    this.closed = new Promise((r) => (done = r));
    ws.addEventListener("message", (e) => {
      const m = e.data as Message;
      for (const watch of this.#watchers) watch(m);
      const i = this.#waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
      else this.#inbox.push(m);
    });
    const finish = (info: CloseInfo) => {
      if (this.#close) return;
      this.#close = info;
      done(info);
      for (const watch of this.#watchers) watch(undefined);
      for (const w of this.#waiters.splice(0)) w.reject(new Error(`socket closed (${info.code} ${info.reason}) before the message arrived`));
    };
    ws.addEventListener("close", (e) => finish({ code: e.code, reason: e.reason }));
    ws.addEventListener("error", () => finish({ code: 1006, reason: "error" }));
  }

  /** How the socket closed, or `undefined` while it is open. */
  get closeInfo(): CloseInfo | undefined {
    return this.#close;
  }

  /** Messages received and not yet read, oldest first. */
  get pending(): readonly Message[] {
    return this.#inbox;
  }

  /** The next message (already received or upcoming); rejects after `timeoutMs` of real time or on close. */
  next(timeoutMs = 5_000): Promise<Message> {
    return this.waitFor(() => true, timeoutMs);
  }

  /** The next message parsed as JSON, typed as `T`. */
  async nextJSON<T = unknown>(timeoutMs?: number): Promise<T> {
    return parse<T>(await this.next(timeoutMs));
  }

  /**
   * The first message (already received or upcoming) for which `match` is
   * true. Only that message is taken from the inbox; the others stay, in order.
   */
  waitFor(match: (m: Message) => boolean, timeoutMs = 5_000): Promise<Message> {
    const i = this.#inbox.findIndex((m) => match(m));
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0]!);
    if (this.#close) return Promise.reject(new Error(`socket closed (${this.#close.code} ${this.#close.reason})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(new Error(`no matching message within ${timeoutMs} ms (unread: ${describe(this.#inbox)})`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.#waiters.push(waiter);
    });
  }

  /** As {@link waitFor}, for JSON messages: `match` sees each parsed message (non-JSON ones are skipped). */
  async waitForJSON<T = any>(match: (m: T) => boolean, timeoutMs?: number): Promise<T> {
    const found = await this.waitFor((m) => {
      try {
        return match(parse<T>(m));
      } catch {
        return false;
      }
    }, timeoutMs);
    return parse<T>(found);
  }

  /**
   * Resolves if no message arrives within `ms` of real time (unread messages
   * already in the inbox count too); rejects with the message otherwise.
   */
  async expectSilence(ms = 100): Promise<void> {
    const got = await new Promise<Message | undefined>((resolve) => {
      if (this.#inbox.length > 0) return resolve(this.#inbox[0]);
      // Only watches: a message that breaks the silence stays in the inbox for the test to read.
      const watch = (m: Message | undefined) => {
        clearTimeout(timer);
        this.#watchers.delete(watch);
        resolve(m);
      };
      const timer = setTimeout(() => watch(undefined), ms);
      this.#watchers.add(watch);
    });
    if (got !== undefined) throw new Error(`expected no message within ${ms} ms, got ${describe([got])}`);
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    this.ws.send(data);
  }

  /** Sends `value` as JSON text. */
  sendJSON(value: unknown): void {
    this.ws.send(JSON.stringify(value));
  }

  /** Closes from the client side and waits until the close completes. */
  async close(code = 1000, reason = ""): Promise<CloseInfo> {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
    return this.closed;
  }
}

/**
 * Opens a WebSocket to `path` through `fetcher` (the Worker, so its routing
 * and `onBeforeConnect` run). Rejects with {@link ConnectionRefused} if the
 * server answers without upgrading.
 *
 * @example
 * import { SELF } from "cloudflare:test";
 * const alice = await connect(SELF, "/parties/main/lobby?_pk=alice");
 */
export async function connect(fetcher: FetcherLike, path: string, init: RequestInit = {}): Promise<TestSocket> {
  const url = new URL(path, "http://localhost").toString();
  const headers = new Headers(init.headers);
  headers.set("upgrade", "websocket");
  const res = await fetcher.fetch(url, { ...init, headers });
  const ws = (res as Response & { webSocket?: WebSocket | null }).webSocket;
  if (!ws) throw new ConnectionRefused(res.status, await res.text(), path);
  ws.accept();
  (ws as { binaryType?: string }).binaryType = "arraybuffer";
  return new TestSocket(ws);
}

function parse<T>(m: Message): T {
  return JSON.parse(typeof m === "string" ? m : new TextDecoder().decode(m)) as T;
}

function describe(messages: readonly Message[]): string {
  if (messages.length === 0) return "none";
  return (
    messages
      .slice(0, 3)
      .map((m) => (typeof m === "string" ? JSON.stringify(m.slice(0, 200)) : `<${m.byteLength} bytes>`))
      .join(", ") + (messages.length > 3 ? `, … (${messages.length} in all)` : "")
  );
}
