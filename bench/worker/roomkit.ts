/** The same room written for roomkit, as a PartyKit server, in both socket modes. */
import type * as Party from "../../src/index.js";
import { party } from "../../src/index.js";
import { BROADCAST, ECHO } from "./protocol.js";

// The default rate limit (100 messages/s per connection) would close the load
// generator's connections; a huge limit keeps the limiter's work in the measurement.
const limits = { messagesPerSecond: 1e9 };

class BenchRoom implements Party.Server {
  constructor(readonly room: Party.Room) {}

  /** `GET` on the room: the size of its SQLite database, for "bytes written per message". */
  onRequest(): Response {
    return Response.json({ databaseSize: this.room.storage.sql.databaseSize });
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection): Promise<void> {
    if (typeof message !== "string") return;
    const kind = message.charCodeAt(0);
    if (kind === BROADCAST) {
      this.room.broadcast(message);
    } else if (kind === ECHO) {
      await this.room.storage.put("last", message);
      sender.send(message);
    }
  }
}

class Hibernating extends BenchRoom {
  static options: Party.ServerOptions = { hibernate: true, limits };
}
class InMemory extends BenchRoom {
  static options: Party.ServerOptions = { hibernate: false, limits };
}

/** Durable broadcasts (docs/durable-broadcasts.md); the history is large enough never to trim during a run. */
class Durable extends BenchRoom {
  static options: Party.ServerOptions = { hibernate: true, limits, history: { maxMessages: 1_000_000 } };
}

export const RoomkitHibernating = party(Hibernating, { binding: "RK_HIB" });
export const RoomkitDurable = party(Durable, { binding: "RK_DUR" });
export const RoomkitInMemory = party(InMemory, { binding: "RK_MEM" });
