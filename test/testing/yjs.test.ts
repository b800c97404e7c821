// A YRoom with y-websocket's own provider (through the Worker, via
// TestWebSocket), and its save and compaction timers on fake time.
import { rooms, TestWebSocket } from "roomkit/testing";
import { WebsocketProvider } from "y-websocket";
import { afterEach, expect, it } from "vitest";
import * as Y from "yjs";

const providers: WebsocketProvider[] = [];
afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  await rooms.reset();
});

/** A y-websocket client of room `room` of the `docs` party, synced. */
async function editor(room: string): Promise<{ doc: Y.Doc; text: Y.Text }> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider("ws://localhost/parties/docs", room, doc, { WebSocketPolyfill: TestWebSocket, disableBc: true });
  providers.push(provider);
  await expect.poll(() => provider.synced).toBe(true);
  return { doc, text: doc.getText("t") };
}

it("syncs two y-websocket providers through the room", async () => {
  const room = rooms.get("docs");
  const ada = await editor(room.id);
  const bo = await editor(room.id);
  ada.text.insert(0, "hello");
  await expect.poll(() => bo.text.toString()).toBe("hello");
});

it("saves after saveDelay and compacts after compactDelay, on fake time", async () => {
  rooms.useFakeTime(Date.UTC(2030, 0, 1));
  const room = rooms.get("docs");
  const ada = await editor(room.id);
  const draft = "a draft of some length. ".repeat(700); // 16.8 KB: past compactMinBytes (16 KiB), so the timer compacts it
  ada.text.insert(0, draft);
  await expect
    .poll(async () => (await room.timers()).map((t) => [t.name, t.in]))
    .toEqual([
      ["roomkit:flush:yjs-save", 5_000],
      ["roomkit:flush:yjs-compact", 30_000],
    ]);
  expect((await room.storage()).saved).toBeUndefined();

  await rooms.advance("5s");
  expect((await room.storage()).saved).toBe(draft);
  expect((await room.timers()).map((t) => t.name)).toEqual(["roomkit:flush:yjs-compact"]);

  await rooms.advance("25s");
  expect(await room.timers()).toEqual([]);
});

it("a small document arms only its save: the compaction timer waits for compactMinBytes", async () => {
  rooms.useFakeTime(Date.UTC(2030, 0, 1));
  const room = rooms.get("docs");
  const ada = await editor(room.id);
  ada.text.insert(0, "draft");
  await expect.poll(async () => (await room.timers()).map((t) => [t.name, t.in])).toEqual([["roomkit:flush:yjs-save", 5_000]]);
  await rooms.advance("5s");
  expect((await room.storage()).saved).toBe("draft");
  expect(await room.timers()).toEqual([]);
});
