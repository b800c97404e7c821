/**
 * The Yjs rooms compared: roomkit/yjs, y-partykit's own server running on
 * roomkit (as migrated PartyKit apps run it), and y-partyserver's YServer with
 * the persistence its README shows (onLoad/onSave of the whole document).
 */
import { YServer } from "y-partyserver";
import { onConnect } from "y-partykit";
import * as Y from "yjs";
import type * as Party from "../../src/index.js";
import { party } from "../../src/index.js";
import { YRoom } from "../../src/yjs/index.js";
import { instrumented } from "./instrument.js";

class Doc extends YRoom {}

class YPartyKitDoc implements Party.Server {
  // y-partykit keeps per-connection state in memory: it cannot hibernate.
  static options: Party.ServerOptions = { hibernate: false, limits: { maxMessageBytes: 8 * 1024 * 1024, messagesPerSecond: 1e9 } };
  constructor(readonly room: Party.Room) {}
  onConnect(conn: Party.Connection) {
    return onConnect(conn as never, this.room as never, { persist: { mode: "snapshot" } });
  }
}

class YPartyserverDoc extends YServer {
  static override options = { hibernate: true };
  override async onLoad(): Promise<void> {
    const saved = await this.ctx.storage.get<Uint8Array>("document");
    if (saved) Y.applyUpdate(this.document, saved);
  }
  override async onSave(): Promise<void> {
    await this.ctx.storage.put("document", Y.encodeStateAsUpdate(this.document));
  }
}

export const RoomkitYjs = instrumented(party(Doc, { binding: "Y_RK" }));
export const YPartyKitOnRoomkit = instrumented(party(YPartyKitDoc, { binding: "Y_PK" }));
export const YPartyserver = instrumented(YPartyserverDoc);
