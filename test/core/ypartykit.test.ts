// Compatibility proof: y-partykit's own server, unchanged, inside a roomkit room.
import { SELF, abortAllDurableObjects } from "cloudflare:test";
import { expect, it } from "vitest";
import * as Y from "yjs";
import * as syncProtocol from "y-protocols/sync";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import { connect, type TestSocket } from "../../src/testing/index.js";

const MESSAGE_SYNC = 0;

/** A minimal y-websocket client over a workerd socket, using y-protocols. */
class YClient {
  doc = new Y.Doc();
  constructor(readonly socket: TestSocket) {
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === this) return;
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MESSAGE_SYNC);
      syncProtocol.writeUpdate(enc, update);
      socket.send(encoding.toUint8Array(enc));
    });
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(enc, this.doc);
    socket.send(encoding.toUint8Array(enc));
  }
  static async open(room: string) {
    return new YClient(await connect(SELF, `/parties/yjs/${room}`));
  }
  /** Processes incoming messages until `done()` holds. */
  async until(done: () => boolean) {
    while (!done()) {
      const data = await this.socket.next();
      if (typeof data === "string") continue;
      const dec = decoding.createDecoder(new Uint8Array(data));
      if (decoding.readVarUint(dec) !== MESSAGE_SYNC) continue; // awareness etc.
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, MESSAGE_SYNC);
      syncProtocol.readSyncMessage(dec, enc, this.doc, this);
      if (encoding.length(enc) > 1) this.socket.send(encoding.toUint8Array(enc));
    }
  }
  text() {
    return this.doc.getText("t").toString();
  }
}

it("two Yjs clients converge through y-partykit's onConnect, and the document survives a restart", async () => {
  const room = "ypk-" + Math.random();
  const alice = await YClient.open(room);
  const bob = await YClient.open(room);
  alice.doc.getText("t").insert(0, "hello ");
  bob.doc.getText("t").insert(0, "world");
  await Promise.all([alice.until(() => alice.text().length === 11), bob.until(() => bob.text().length === 11)]);
  expect(alice.text()).toBe(bob.text());
  const final = alice.text();
  await alice.socket.close();
  await bob.socket.close();
  // y-partykit's snapshot mode persists when the last client leaves; give it a moment.
  await new Promise((r) => setTimeout(r, 200));
  await abortAllDurableObjects();

  const carol = await YClient.open(room);
  await carol.until(() => carol.text() === final);
  expect(carol.text()).toBe(final);
  await carol.socket.close();
});
