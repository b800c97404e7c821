/** The same room written for roomkit, as a PartyKit server, in both socket modes. */
import type * as Party from "../../src/index.js";
import { party } from "../../src/index.js";
import { BROADCAST, ECHO } from "./protocol.js";

// The default rate limit (100 messages/s per connection) would close the load
// generator's connections; a huge limit keeps the limiter's work in the measurement.
const limits = { messagesPerSecond: 1e9 };

class BenchRoom implements Party.Server {
  constructor(readonly room: Party.Room) {}

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

export const RoomkitHibernating = party(Hibernating, { binding: "RK_HIB" });
export const RoomkitInMemory = party(InMemory, { binding: "RK_MEM" });
