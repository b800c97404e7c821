// A browser-style WebSocket class whose connections go through a Workers
// `Fetcher` (SELF), so unmodified providers (y-websocket, y-partykit) run
// inside workerd against the rooms under test.

type FetcherLike = { fetch(input: string, init?: RequestInit): Promise<Response> };

/** Returns a `WebSocket`-compatible class (the `WebSocketPolyfill` providers accept) that connects via `fetcher`. */
export function webSocketVia(fetcher: FetcherLike): typeof WebSocket {
  class FetchedWebSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    readyState = 0;
    binaryType = "arraybuffer";
    protocol = "";
    extensions = "";
    bufferedAmount = 0;
    onopen: ((e: Event) => void) | null = null;
    onmessage: ((e: MessageEvent) => void) | null = null;
    onclose: ((e: CloseEvent) => void) | null = null;
    onerror: ((e: Event) => void) | null = null;
    #ws: WebSocket | undefined;
    #closeRequested: { code?: number; reason?: string } | undefined;

    constructor(readonly url: string) {
      super();
      fetcher
        .fetch(url.replace(/^ws/, "http"), { headers: { upgrade: "websocket" } })
        .then((res) => {
          const ws = (res as Response & { webSocket?: WebSocket | null }).webSocket;
          if (!ws) throw new Error(`no upgrade: ${res.status}`);
          ws.accept();
          (ws as { binaryType?: string }).binaryType = "arraybuffer";
          this.#ws = ws;
          ws.addEventListener("message", (e) => this.#emit("message", new MessageEvent("message", { data: e.data })));
          ws.addEventListener("close", (e) => this.#closed(e.code, e.reason));
          ws.addEventListener("error", () => this.#emit("error", new Event("error")));
          if (this.#closeRequested) {
            ws.close(this.#closeRequested.code ?? 1000, this.#closeRequested.reason ?? "");
            return;
          }
          this.readyState = 1;
          this.#emit("open", new Event("open"));
        })
        .catch(() => {
          this.#emit("error", new Event("error"));
          this.#closed(1006, "connection failed");
        });
    }

    send(data: string | ArrayBuffer | ArrayBufferView): void {
      if (this.readyState !== 1 || !this.#ws) throw new Error("WebSocket is not open");
      this.#ws.send(data);
    }

    close(code?: number, reason?: string): void {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      if (this.#ws) {
        try {
          this.#ws.close(code ?? 1000, reason ?? "");
        } catch {
          this.#closed(1006, "");
        }
      } else this.#closeRequested = { code, reason };
    }

    #closed(code: number, reason: string): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.#emit("close", new CloseEvent("close", { code, reason, wasClean: code !== 1006 }));
    }

    #emit(type: "open" | "message" | "close" | "error", event: Event): void {
      this.dispatchEvent(event);
      const handler = (this as unknown as Record<string, ((e: Event) => void) | null>)[`on${type}`];
      handler?.call(this, event);
    }
  }
  return FetchedWebSocket as unknown as typeof WebSocket;
}
