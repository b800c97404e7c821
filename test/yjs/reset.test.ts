// room.storage.deleteAll() — how PartyKit apps reset a room — in a Yjs room:
// the document starts again empty, and the room keeps working: edits are
// stored and shared, timers (saves) still fire, clients connected during the
// reset keep editing.
import { SELF, evictDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import * as Y from "yjs";
import { connect } from "../../src/testing/index.js";
import { fireLater, stubOf, tables } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

const path = (room: string) => `/parties/hook-doc/${room}`;
const etag = async (room: string) => (await SELF.fetch(`http://x${path(room)}`, { method: "HEAD" })).headers.get("etag")!;

/** Resets the room from a raw socket (one that holds no document, so nothing is synced back), and waits until done. */
async function reset(room: string): Promise<void> {
  const s = await connect(SELF, path(room));
  s.send("reset");
  for (;;) {
    const m = await s.next();
    if (m === "__YPS:reset-done") break;
  }
  await s.close();
}

async function storedText(room: string): Promise<string> {
  const res = await SELF.fetch(`http://x/parties/store/${room}`);
  if (res.status === 404) return (await res.text(), "<none>");
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await res.arrayBuffer()));
  return doc.getText("t").toString();
}

it("after deleteAll the document starts again empty, and edits, storage, eviction and timers keep working", async () => {
  const room = freshRoom("reset");
  const a = await YClient.synced(path(room));
  a.doc.getText("t").insert(0, "old content");
  await waitFor(async () => (await tables("hook-doc", room)).doc.getText("t").toString() === "old content", "stored");
  await a.close();
  const before = await etag(room);

  await reset(room);
  expect((await tables("hook-doc", room)).doc.getText("t").toString()).toBe("");
  expect(await etag(room)).not.toBe(before); // a new epoch: caches of the old document do not match

  const b = await YClient.synced(path(room));
  expect(b.text).toBe("");
  b.doc.getText("t").insert(0, "fresh");
  const c = await YClient.synced(path(room));
  await waitFor(() => c.text === "fresh", "shared after the reset");
  await waitFor(async () => (await tables("hook-doc", room)).doc.getText("t").toString() === "fresh", "stored after the reset");
  expect(b.closeInfo).toBeUndefined();

  // The debounced save (a persisted timer, wiped with the rest) was armed again and reaches the external store.
  let ahead = 0;
  await waitFor(async () => (await fireLater("hook-doc", room, (ahead += 3_600_000)), (await storedText(room)) === "fresh"), "saved");

  // And the document loads from the new tables after an eviction.
  await Promise.all([b.close(), c.close()]);
  await evictDurableObject(stubOf("hook-doc", room));
  const d = await YClient.synced(path(room));
  expect(d.text).toBe("fresh");
  await d.close();
});

it("a client connected during the reset keeps editing: it is asked to sync again and nothing it does is lost", async () => {
  const room = freshRoom("reset-live");
  const a = await YClient.synced(path(room));
  a.doc.getText("t").insert(0, "hello");
  await waitFor(async () => (await tables("hook-doc", room)).doc.getText("t").toString() === "hello", "stored");

  await reset(room);
  // a still holds "hello" (a replica cannot be emptied from the server); it sends it back when asked.
  a.doc.getText("t").insert(5, " world");
  const b = await YClient.synced(path(room));
  await waitFor(() => b.text === "hello world", "a's edits after the reset reach a newcomer");
  await waitFor(async () => (await tables("hook-doc", room)).doc.getText("t").toString() === "hello world", "and storage");
  expect(a.closeInfo).toBeUndefined();
  await Promise.all([a.close(), b.close()]);
});
