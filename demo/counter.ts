import type * as Party from "../src/index.js";

/** A counter every connection shares; it survives restarts because it lives in room storage. */
export default class Counter implements Party.Server {
  static options = { hibernate: true };
  constructor(readonly room: Party.Room) {}

  async onConnect(conn: Party.Connection) {
    conn.send(JSON.stringify({ count: await this.count(), online: this.online() }));
    this.room.broadcast(JSON.stringify({ online: this.online() }), [conn.id]);
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection) {
    if (message !== "increment" && message !== "reset") {
      sender.send(JSON.stringify({ error: 'Send "increment" or "reset".' }));
      return;
    }
    const count = message === "reset" ? 0 : (await this.count()) + 1;
    await this.room.storage.put("count", count);
    this.room.broadcast(JSON.stringify({ count }));
  }

  onClose() {
    this.room.broadcast(JSON.stringify({ online: this.online() }));
  }

  async onRequest(req: Party.Request) {
    if (req.method !== "GET") return new Response("Method not allowed", { status: 405 });
    return Response.json({ count: await this.count(), online: this.online() });
  }

  private async count() {
    return (await this.room.storage.get<number>("count")) ?? 0;
  }

  private online() {
    return [...this.room.getConnections()].length;
  }
}
