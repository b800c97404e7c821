import { Flusher } from "roomkit";
import type * as Party from "roomkit";

/** What the server sends: any subset of these fields. */
export type CounterMessage = { count?: number; online?: number; error?: string };

/**
 * A counter shared by everyone in a room (`/parties/main/<room>`).
 *
 * - `hibernate: true`: idle sockets stay open without keeping the room in
 *   memory; the room wakes up for each message.
 * - The count is written to room storage before it is broadcast, so it
 *   survives restarts, deploys and eviction.
 * - A {@link Flusher} shows the "save to an external store every few seconds
 *   while the room is busy, and once when the last person leaves" pattern.
 * - `history`: count changes are durable broadcasts. A tab that was offline,
 *   asleep or reloaded is sent every change it missed (the client's
 *   `DurableHistory` asks for them), so its list of recent changes has no
 *   holes; who is online is live-only news (`durable: false`).
 */
export default class Counter implements Party.Server {
  static options: Party.ServerOptions = { hibernate: true, history: { maxMessages: 100 } };
  readonly flusher: Flusher;

  constructor(readonly room: Party.Room) {
    // Created in the constructor so it is re-armed every time the room wakes up.
    this.flusher = new Flusher(room, { every: 10_000, flush: () => this.report() });
  }

  async onConnect(conn: Party.Connection) {
    send(conn, { count: await this.count(), online: this.online() });
    this.broadcast({ online: this.online() }, { without: [conn.id], durable: false });
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection) {
    if (message !== "increment" && message !== "reset") {
      send(sender, { error: 'Send "increment" or "reset".' });
      return;
    }
    const count = message === "reset" ? 0 : (await this.count()) + 1;
    await this.room.storage.put("count", count);
    this.broadcast({ count });
    await this.flusher.markDirty();
  }

  onClose() {
    this.broadcast({ online: this.online() }, { durable: false });
  }

  /** What a tab that was away longer than the history (100 changes) starts over from. */
  async historyState() {
    return JSON.stringify({ count: await this.count() } satisfies CounterMessage);
  }

  /** `GET /parties/main/<room>`: the count, who is online and the last flushed snapshot. */
  async onRequest(req: Party.Request) {
    if (req.method !== "GET") return new Response("Method not allowed", { status: 405 });
    const reported = (await this.room.storage.get<Report>("reported")) ?? null;
    return Response.json({ count: await this.count(), online: this.online(), reported });
  }

  /**
   * Called by the Flusher. This is where you would write to your own store
   * (D1, KV, an HTTP API...). The template keeps the snapshot in room storage
   * so you can watch it change with `curl`.
   */
  private async report() {
    const snapshot: Report = { count: await this.count(), at: new Date().toISOString() };
    await this.room.storage.put("reported", snapshot);
  }

  private async count() {
    return (await this.room.storage.get<number>("count")) ?? 0;
  }

  private online() {
    return [...this.room.getConnections()].length;
  }

  private broadcast(message: CounterMessage, options?: Party.BroadcastOptions) {
    this.room.broadcast(JSON.stringify(message), options);
  }
}

type Report = { count: number; at: string };

function send(conn: Party.Connection, message: CounterMessage) {
  conn.send(JSON.stringify(message));
}
