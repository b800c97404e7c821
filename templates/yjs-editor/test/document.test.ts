// The document room, tested inside workerd with roomkit/testing: y-websocket's
// own WebsocketProvider (the one the editor uses) connects through the Worker
// via TestWebSocket; `room.evict()` and fake time cover hibernation and the
// log compaction timer. Guide: roomkit's docs/testing.md.
import { rooms, TestWebSocket } from "roomkit/testing";
import { afterEach, expect, it } from "vitest";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

const providers: WebsocketProvider[] = [];
afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  await rooms.reset();
});

/** An editor of document `room`, synced with it. */
async function editor(room: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider("ws://localhost/parties/main", room, doc, { WebSocketPolyfill: TestWebSocket, disableBc: true });
  providers.push(provider);
  await expect.poll(() => provider.synced, { interval: 5 }).toBe(true);
  return { doc, provider, text: doc.getText("codemirror") };
}

it("two editors see each other's typing", async () => {
  const room = rooms.get("main");
  const ada = await editor(room.id);
  const bob = await editor(room.id);
  ada.text.insert(0, "Hello from Ada. ");
  bob.text.insert(0, "Hi, Bob here. ");
  await expect.poll(() => ada.text.toString() === bob.text.toString() && ada.text.length === 30).toBe(true);
  expect(ada.text.toString()).toContain("Hello from Ada.");
});

it("shows who is here, and who left", async () => {
  const room = rooms.get("main");
  const ada = await editor(room.id);
  const bob = await editor(room.id);
  ada.provider.awareness.setLocalStateField("user", { name: "Ada", color: "#e11d48" });
  await expect.poll(() => bob.provider.awareness.getStates().get(ada.doc.clientID)).toEqual({ user: { name: "Ada", color: "#e11d48" } });
  ada.provider.destroy();
  await expect.poll(() => bob.provider.awareness.getStates().has(ada.doc.clientID)).toBe(false);
});

it("keeps the document when the room leaves memory, and serves it over HTTP", async () => {
  const room = rooms.get("main");
  const served = async () => {
    const res = await room.fetch();
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const copy = new Y.Doc();
    Y.applyUpdate(copy, new Uint8Array(await res.arrayBuffer()));
    return copy.getText("codemirror").toString();
  };
  const ada = await editor(room.id);
  ada.text.insert(0, "saved before anyone else saw it");
  await expect.poll(served).toBe("saved before anyone else saw it");
  ada.provider.destroy();
  await room.evict();

  expect(await served()).toBe("saved before anyone else saw it");
  const bob = await editor(room.id);
  expect(bob.text.toString()).toBe("saved before anyone else saw it");
});

it("compacts the edit log into a snapshot 30 s after an edit, in a document of 16 KiB or more", async () => {
  rooms.useFakeTime();
  const room = rooms.get("main");
  const ada = await editor(room.id);
  ada.text.insert(0, "a longer draft. ".repeat(1_100)); // 17.6 KB
  await expect.poll(async () => (await room.timers()).map((t) => [t.name, t.in])).toEqual([["roomkit:flush:yjs-compact", 30_000]]);
  await rooms.advance("30s");
  expect(await room.timers()).toEqual([]);
});

it("sets no timer for a small document: its log is folded when the last editor leaves (compactMinBytes)", async () => {
  rooms.useFakeTime();
  const room = rooms.get("main");
  const ada = await editor(room.id);
  ada.text.insert(0, "draft");
  const bob = await editor(room.id);
  expect(bob.text.toString()).toBe("draft"); // stored before bob was sent it
  expect(await room.timers()).toEqual([]);
});
