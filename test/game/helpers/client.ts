// A test client for game rooms: a real WebSocket through the Worker, the
// room's view mirrored from welcome/state/patch frames, and every message kept
// so a test can wait for the one it expects.
import { SELF } from "cloudflare:test";
import { applyPatch, type JsonValue } from "../../../src/game/patch.js";
import { connect, type CloseInfo, type TestSocket } from "../../../src/testing/index.js";

export type Msg = Record<string, any> | unknown[];
type Waiter = { pred: (m: Msg) => boolean; resolve: (m: Msg) => void; reject: (e: Error) => void; from: number };

export class Client<V = any> {
  /** Every message received, parsed, in order. */
  readonly messages: Msg[] = [];
  /** Patch frames only (`[tick, ack, patch?]`), as received. */
  readonly frames: unknown[][] = [];
  state: V | undefined;
  tick = 0;
  ack = 0;
  /** The public id from the welcome. */
  id = "";
  welcome: Record<string, any> | undefined;
  close: CloseInfo | undefined;
  #seq = 0;
  #waiters: Waiter[] = [];

  private constructor(
    readonly socket: TestSocket,
    readonly key: string,
  ) {
    socket.ws.addEventListener("message", (e) => this.#receive(e.data as string));
    void socket.closed.then((c) => {
      this.close = c;
      for (const w of this.#waiters.splice(0)) w.reject(new Error(`closed (${c.code} ${c.reason}) while waiting`));
    });
  }

  /** Connects `key` (the seat key, sent as `_pk`) to `/parties/<party>/<room>`. */
  static async open<V = any>(party: string, room: string, key: string, query = ""): Promise<Client<V>> {
    const socket = await connect(SELF, `/parties/${party}/${room}?_pk=${encodeURIComponent(key)}${query ? `&${query}` : ""}`);
    return new Client<V>(socket, key);
  }

  /** Connects and waits for the welcome. */
  static async join<V = any>(party: string, room: string, key: string, query = ""): Promise<Client<V>> {
    const c = await Client.open<V>(party, room, key, query);
    await c.waitFor((m) => !Array.isArray(m) && m.type === "welcome");
    return c;
  }

  #receive(data: string): void {
    const m = JSON.parse(data) as Msg;
    this.messages.push(m);
    if (Array.isArray(m)) {
      this.frames.push(m);
      this.tick = m[0] as number;
      this.ack = m[1] as number;
      if (m.length > 2) this.state = applyPatch<V>(this.state, m[2] as JsonValue);
    } else if (m.type === "welcome" || m.type === "state") {
      if (m.type === "welcome") {
        this.welcome = m;
        this.id = m.id;
      }
      this.state = m.state;
      this.tick = m.tick;
      this.ack = m.ack;
    }
    for (const w of [...this.#waiters]) {
      if (this.messages.length - 1 >= w.from && w.pred(m)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }

  /** The first message (already received, or upcoming) matching `pred`. */
  waitFor(pred: (m: any) => boolean, timeoutMs = 5_000, from = 0): Promise<any> {
    const found = this.messages.slice(from).find(pred);
    if (found) return Promise.resolve(found);
    if (this.close) return Promise.reject(new Error(`closed (${this.close.code} ${this.close.reason})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-5))}`));
      }, timeoutMs);
      const waiter: Waiter = { pred, from, resolve: (m) => (clearTimeout(timer), resolve(m)), reject: (e) => (clearTimeout(timer), reject(e)) };
      this.#waiters.push(waiter);
    });
  }

  /** The first control message of `type` received after message index `from`. */
  next(type: string, from = 0, timeoutMs?: number): Promise<Record<string, any>> {
    return this.waitFor((m) => !Array.isArray(m) && m.type === type, timeoutMs, from);
  }

  /** Waits until the mirrored view reflects at least `tick`. */
  async until(pred: (c: this) => boolean, timeoutMs = 5_000): Promise<void> {
    if (pred(this)) return;
    await this.waitFor(() => pred(this), timeoutMs);
  }

  /** Sends an input with the next seq (or the one given); returns the seq. */
  input(input: unknown, seq = this.#seq + 1): number {
    this.#seq = Math.max(this.#seq, seq);
    this.socket.send(JSON.stringify([seq, input]));
    return seq;
  }

  send(data: unknown): void {
    this.socket.send(typeof data === "string" ? data : JSON.stringify(data));
  }

  /** Closes from the client side and waits for the close to complete. */
  async leaveSocket(): Promise<CloseInfo> {
    return this.socket.close();
  }
}
