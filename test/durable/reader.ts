// A resuming client for workerd tests: connects with _rk_offset, reads every
// frame with roomkit/durable's readFrame, and keeps exactly what it received,
// so the tests see duplicates and gaps instead of a helper hiding them.
import { readFrame, type Frame } from "roomkit/durable";
import type { TestRoom, TestSocket } from "roomkit/testing";

export class Reader {
  /** Durable messages received, over every connection, in arrival order. */
  readonly durable: string[] = [];
  /** Every frame of the current connection, in order (kind + text). */
  frames: string[] = [];
  offset: string;
  resets = 0;
  socket: TestSocket | undefined;
  #readyWaiters: (() => void)[] = [];
  #ready = false;

  constructor(
    readonly room: TestRoom,
    readonly id: string,
    readonly query: Record<string, string> = {},
    from = "now",
  ) {
    this.offset = from;
  }

  /** Opens a connection with the current offset and resolves once caught up. */
  async connect(): Promise<this> {
    this.frames = [];
    this.#ready = false;
    const socket = await this.room.connect({ id: this.id, query: { ...this.query, _rk_offset: this.offset } });
    this.socket = socket;
    socket.ws.addEventListener("message", (e) => this.#receive(readFrame(e.data as string | ArrayBuffer)));
    await this.ready();
    return this;
  }

  /** Resolves once the current connection has received its "ready" frame. */
  ready(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Waits until `n` durable messages have arrived in total. */
  async waitForCount(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.durable.length < n) {
      if (Date.now() > deadline) throw new Error(`${this.id}: ${this.durable.length} of ${n} durable messages after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Connects and closes at once: dropped in the middle of its own catch-up, keeping whatever arrived first. */
  async connectAndDrop(): Promise<void> {
    this.frames = [];
    this.#ready = false;
    const socket = await this.room.connect({ id: this.id, query: { ...this.query, _rk_offset: this.offset } });
    socket.ws.addEventListener("message", (e) => this.#receive(readFrame(e.data as string | ArrayBuffer)));
    await socket.close();
  }

  async disconnect(): Promise<void> {
    await this.socket?.close();
    this.socket = undefined;
  }

  #receive(frame: Frame): void {
    const text = (d: string | ArrayBuffer) => (typeof d === "string" ? d : `<${new Uint8Array(d).join(",")}>`);
    switch (frame.kind) {
      case "message":
        this.durable.push(text(frame.data));
        this.offset = frame.offset;
        this.frames.push(`m:${text(frame.data)}`);
        return;
      case "ready":
        this.offset = frame.offset;
        this.frames.push("ready");
        this.#ready = true;
        for (const w of this.#readyWaiters.splice(0)) w();
        return;
      case "reset":
        this.resets++;
        this.offset = frame.offset;
        this.frames.push(`reset:${frame.state ?? ""}`);
        return;
      case "plain":
        this.frames.push(`plain:${text(frame.data)}`);
    }
  }
}
