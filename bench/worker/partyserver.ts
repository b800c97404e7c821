/** The same room written for partyserver (Cloudflare's PartyKit successor), hibernating as its docs recommend. */
import { Server, type Connection, type WSMessage } from "partyserver";
import { BROADCAST, ECHO } from "./protocol.js";

export class PartyserverRoom extends Server {
  static override options = { hibernate: true };

  override async onMessage(sender: Connection, message: WSMessage): Promise<void> {
    if (typeof message !== "string") return;
    const kind = message.charCodeAt(0);
    if (kind === BROADCAST) {
      this.broadcast(message);
    } else if (kind === ECHO) {
      await this.ctx.storage.put("last", message);
      sender.send(message);
    }
  }
}
