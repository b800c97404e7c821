// Clients for the end-to-end tests: a durable partysocket client (the way an
// app connects, with roomkit/durable's helper) that also records the raw
// frames it received, and a plain `ws` sender.
import PartySocket from "partysocket";
import { DurableHistory, readFrame } from "roomkit/durable";
import WebSocket from "ws";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true; bounded by `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export class DurableClient {
  readonly history = new DurableHistory();
  readonly socket: PartySocket;
  /** Durable messages as the app sees them (through the helper). */
  readonly got: string[] = [];
  /** Durable frames as they came off the wire, repeats included (the helper would hide them). */
  readonly raw: string[] = [];
  readonly states: (string | undefined)[] = [];
  readies = 0;
  opens = 0;

  constructor(port: number, party: string, room: string, id: string) {
    this.socket = new PartySocket({
      host: `127.0.0.1:${port}`,
      party,
      room,
      id,
      query: this.history.query,
      WebSocket: WebSocket as never,
      minReconnectionDelay: 50,
      maxReconnectionDelay: 300,
      connectionTimeout: 2000,
    });
    this.socket.addEventListener("open", () => this.opens++);
    this.socket.addEventListener("message", (e) => {
      const frame = readFrame(e.data as string | ArrayBuffer);
      if (frame.kind === "message") this.raw.push(String(frame.data));
    });
    this.history.listen(this.socket, {
      message: (data, info) => {
        if (info.durable) this.got.push(String(data));
      },
      reset: (state) => this.states.push(state),
      ready: () => this.readies++,
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** A plain client that sends commands and collects the broadcasts it sees (the room's sequence). */
export class Sender {
  readonly seen: string[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => {
      const m = String(d);
      if (!m.startsWith("welcome:")) this.seen.push(m);
    });
  }

  static async open(port: number, party: string, room: string): Promise<Sender> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/parties/${party}/${room}?_pk=sender-${Math.random().toString(36).slice(2)}`);
    ws.on("error", () => {});
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return new Sender(ws);
  }

  /** Sends n broadcasts `<prefix>0…` and waits until they all came back. */
  async burst(n: number, prefix: string): Promise<void> {
    const want = this.seen.length + n;
    this.ws.send(`burst:${n}:${prefix}`);
    await until(() => this.seen.length >= want, `${n} broadcasts ${prefix}*`);
  }

  close(): void {
    this.ws.terminate();
  }
}

export const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
