/**
 * `roomkit/testing`: helpers for testing rooms inside workerd with
 * `@cloudflare/vitest-pool-workers` (`SELF` or any `Fetcher`).
 *
 * @example
 * import { SELF } from "cloudflare:test";
 * import { connect } from "roomkit/testing";
 * const alice = await connect(SELF, "/parties/main/lobby?_pk=alice");
 * alice.send("hello");
 * expect(await alice.next()).toBe("welcome");
 * @module
 */

/** Anything with a Workers-style `fetch`, e.g. `SELF` from `cloudflare:test`. */
export type FetcherLike = { fetch(input: string | Request, init?: RequestInit): Promise<Response> };

/** How a socket closed. */
export type CloseInfo = { code: number; reason: string };

/** A client WebSocket with an inbox, for tests. */
export class TestSocket {
  readonly #inbox: (string | ArrayBuffer)[] = [];
  readonly #waiters: { resolve: (m: string | ArrayBuffer) => void; reject: (e: Error) => void }[] = [];
  #close: CloseInfo | undefined;
  /** Resolves when the server closes the socket (or it errors). */
  readonly closed: Promise<CloseInfo>;

  constructor(readonly ws: WebSocket) {
    let done!: (c: CloseInfo) => void;
    this.closed = new Promise((r) => (done = r));
    ws.addEventListener("message", (e) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter.resolve(e.data as string | ArrayBuffer);
      else this.#inbox.push(e.data as string | ArrayBuffer);
    });
    const finish = (info: CloseInfo) => {
      if (this.#close) return;
      this.#close = info;
      done(info);
      for (const w of this.#waiters.splice(0)) w.reject(new Error(`socket closed (${info.code} ${info.reason}) before a message arrived`));
    };
    ws.addEventListener("close", (e) => finish({ code: e.code, reason: e.reason }));
    ws.addEventListener("error", () => finish({ code: 1006, reason: "error" }));
  }

  /** The next message (already received or upcoming); rejects after `timeoutMs` or on close. */
  next(timeoutMs = 5_000): Promise<string | ArrayBuffer> {
    const queued = this.#inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#close) return Promise.reject(new Error(`socket closed (${this.#close.code} ${this.#close.reason})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (m: string | ArrayBuffer) => (clearTimeout(timer), resolve(m)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      this.#waiters.push(waiter);
    });
  }

  /** The next message parsed as JSON. */
  async nextJSON<T = unknown>(timeoutMs?: number): Promise<T> {
    const m = await this.next(timeoutMs);
    return JSON.parse(typeof m === "string" ? m : new TextDecoder().decode(m)) as T;
  }

  /** Messages received and not yet read. */
  get pending(): readonly (string | ArrayBuffer)[] {
    return this.#inbox;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    this.ws.send(data);
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
 * Opens a WebSocket to `path` through `fetcher`. Throws with the status and
 * body if the server answers without upgrading.
 */
export async function connect(fetcher: FetcherLike, path: string, init: RequestInit = {}): Promise<TestSocket> {
  const url = new URL(path, "http://localhost").toString();
  const headers = new Headers(init.headers);
  headers.set("upgrade", "websocket");
  const res = await fetcher.fetch(url, { ...init, headers });
  const ws = (res as Response & { webSocket?: WebSocket | null }).webSocket;
  if (!ws) throw new Error(`expected a WebSocket from ${path}, got ${res.status}: ${await res.text()}`);
  ws.accept();
  (ws as { binaryType?: string }).binaryType = "arraybuffer";
  return new TestSocket(ws);
}
