/**
 * A browser-style `WebSocket` class whose connections go through a Worker's
 * `fetch` (`SELF` by default), for client libraries that take a WebSocket
 * implementation: partysocket, `GameClient`, y-websocket's `WebsocketProvider`.
 * @module
 */
import { SELF } from "cloudflare:test";
import type { FetcherLike } from "./socket.js";

type Listener = ((event: Event) => void) | null;

/** A browser-style WebSocket class, as client libraries take it (partysocket, y-websocket, `GameClient`). */
export type WebSocketClass = {
  new (url: string | URL, protocols?: string | string[]): WebSocket;
  prototype: WebSocket;
  readonly CONNECTING: number;
  readonly OPEN: number;
  readonly CLOSING: number;
  readonly CLOSED: number;
};

/**
 * Makes a `WebSocket` class that connects through `fetcher`. The URL's host
 * does not matter (every request goes to the Worker); `ws:`/`wss:` become
 * `http:`/`https:`.
 *
 * @example
 * const TestWebSocket = webSocketThrough(SELF);
 * const provider = new WebsocketProvider("ws://localhost/parties/main", "doc-1", doc, { WebSocketPolyfill: TestWebSocket });
 */
export function webSocketThrough(fetcher: FetcherLike): WebSocketClass {
  class FetchedWebSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    readonly url: string;
    readyState = 0;
    binaryType: "arraybuffer" | "blob" = "arraybuffer";
    protocol = "";
    extensions = "";
    bufferedAmount = 0;
    onopen: Listener = null;
    onmessage: Listener = null;
    onclose: Listener = null;
    onerror: Listener = null;
    #ws: WebSocket | undefined;
    #closeRequested: { code?: number; reason?: string } | undefined;

    constructor(url: string | URL, protocols?: string | string[]) {
      super();
      this.url = String(url);
      const http = this.url.replace(/^ws(s?):/i, "http$1:");
      const headers = new Headers({ upgrade: "websocket" });
      const list = typeof protocols === "string" ? [protocols] : protocols;
      if (list && list.length > 0) headers.set("sec-websocket-protocol", list.join(", "));
      void fetcher.fetch(http, { headers }).then(
        (res) => this.#opened(res),
        () => this.#fail(1006, "fetch failed"),
      );
    }

    #opened(res: Response): void {
      const ws = (res as Response & { webSocket?: WebSocket | null }).webSocket;
      if (!ws) return this.#fail(1006, `HTTP ${res.status}`);
      ws.accept();
      (ws as { binaryType?: string }).binaryType = "arraybuffer";
      this.#ws = ws;
      ws.addEventListener("message", (e) => this.#emit(new MessageEvent("message", { data: e.data })));
      ws.addEventListener("close", (e) => this.#closed(e.code, e.reason));
      ws.addEventListener("error", () => this.#fail(1006, "error"));
      if (this.#closeRequested) {
        ws.close(this.#closeRequested.code, this.#closeRequested.reason);
        return;
      }
      this.readyState = 1;
      this.#emit(new Event("open"));
    }

    #fail(code: number, reason: string): void {
      if (this.readyState === 3) return;
      this.#emit(new Event("error"));
      this.#closed(code, reason);
    }

    #closed(code: number, reason: string): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.#emit(new CloseEvent("close", { code, reason, wasClean: code !== 1006 }));
    }

    #emit(event: Event): void {
      const handler = (this as unknown as Record<string, Listener>)[`on${event.type}`];
      handler?.call(this, event);
      this.dispatchEvent(event);
    }

    send(data: string | ArrayBuffer | ArrayBufferView): void {
      if (this.readyState !== 1 || !this.#ws) throw new Error(`WebSocket is not open (readyState ${this.readyState}).`);
      this.#ws.send(data);
    }

    close(code?: number, reason?: string): void {
      if (this.readyState >= 2) return;
      if (!this.#ws) {
        this.#closeRequested = { code, reason };
        this.readyState = 2;
        return;
      }
      this.readyState = 2;
      try {
        this.#ws.close(code ?? 1000, reason);
      } catch {
        this.#closed(1006, "close failed");
      }
    }
  }
  return FetchedWebSocket as unknown as WebSocketClass;
}

/**
 * A `WebSocket` class connecting through the test's own Worker (`SELF`).
 *
 * @example
 * const client = new GameClient({ host: "localhost", party: "arena", room: "r1", WebSocket: TestWebSocket });
 */
export const TestWebSocket: WebSocketClass = webSocketThrough(SELF);
