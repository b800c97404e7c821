// Durability: every update is in SQLite before any peer sees it; the log is
// compacted by a timer (documents of compactMinBytes or more), when it outgrows the snapshot, and when the last client
// leaves; documents far larger than one storage value are chunked.
import { SELF, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import YPartyKitProvider from "y-partykit/provider";
import * as Y from "yjs";
import { resolveYRoomOptions } from "../../src/yjs/options.js";
import { fireLater, stubOf, tables } from "./helpers/room.js";
import { webSocketThrough } from "../../src/testing/index.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

it("every update a peer has received is already in the room's storage", async () => {
  const room = freshRoom("durable");
  const a = await YClient.synced(`/parties/doc/${room}`);
  const b = await YClient.synced(`/parties/doc/${room}`);
  for (let i = 0; i < 5; i++) {
    const seen = b.updatesReceived;
    a.doc.getText("t").insert(a.text.length, `edit${i};`);
    await waitFor(() => b.updatesReceived > seen, `b received edit ${i}`);
    const disk = await tables("doc", room);
    expect(disk.doc.getText("t").toString()).toBe(b.text);
  }
  expect((await tables("doc", room)).logSeqs).toBe(5); // one row per update: nothing re-encoded
  await Promise.all([a.close(), b.close()]);
});

it("a timer compacts the log into the snapshot; the document survives eviction", async () => {
  const room = freshRoom("timer-compact");
  const a = await YClient.synced(`/parties/timed-doc/${room}`);
  for (let i = 0; i < 10; i++) a.doc.getText("t").insert(0, `${i}`);
  await waitFor(async () => (await tables("timed-doc", room)).doc.getText("t").toString() === "9876543210", "all 10 edits logged");
  expect((await tables("timed-doc", room)).logRows).toBeGreaterThan(0);
  expect(await fireLater("timed-doc", room)).toBe(true);
  const after = await tables("timed-doc", room);
  expect(after.logRows).toBe(0);
  expect(after.snapshotParts).toBe(1);
  expect(after.doc.getText("t").toString()).toBe("9876543210");
  await evictDurableObject(stubOf("timed-doc", room));
  const b = await YClient.synced(`/parties/timed-doc/${room}`);
  await waitFor(() => b.text === "9876543210", "reloaded from the snapshot");
  await Promise.all([a.close(), b.close()]);
});

it("compaction keeps no timer row, and still runs after an eviction: the alarm wakes the room, which finds its log", async () => {
  const room = freshRoom("wake-compact");
  const before = Date.now();
  const a = await YClient.synced(`/parties/timed-doc/${room}`);
  a.doc.getText("t").insert(0, "kept");
  await waitFor(async () => (await tables("timed-doc", room)).logRows > 0, "the edit logged");
  const stub = stubOf("timed-doc", room);
  const probe = () =>
    runInDurableObject(stub, async (_, state) => ({
      alarm: await state.storage.getAlarm(),
      timerTables: state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = '_roomkit_timers'").toArray().length,
    }));
  const armed = await probe();
  expect(armed.timerTables).toBe(0); // the log row is the record that compaction is pending
  const at = armed.alarm!;
  expect(at).toBeGreaterThanOrEqual(before + 30_000); // compactDelay after the first logged update
  expect(at).toBeLessThanOrEqual(Date.now() + 30_000);

  // The wake-up dies with the instance; the alarm does not, and the instance it starts finds the log.
  await evictDurableObject(stub);
  expect(await fireLater("timed-doc", room)).toBe(true);
  const after = await tables("timed-doc", room);
  expect(after.logRows).toBe(0);
  expect(after.doc.getText("t").toString()).toBe("kept");
  expect((await probe()).alarm).toBeNull(); // nothing left to wake for
  await a.close();
});

it("a room that starts with its log pending keeps the earlier instance's compaction time, or compacts at once if its alarm is gone", async () => {
  const alarmOf = (room: string) => runInDurableObject(stubOf("timed-doc", room), (_, state) => state.storage.getAlarm()); // starts no room
  for (const lost of [false, true]) {
    const room = freshRoom(lost ? "wake-lost" : "wake-kept");
    const a = await YClient.synced(`/parties/timed-doc/${room}`);
    const b = await YClient.synced(`/parties/timed-doc/${room}`); // so no last close compacts
    a.doc.getText("t").insert(0, "pending");
    await waitFor(async () => (await tables("timed-doc", room)).logRows > 0, "the edit logged");
    const due = await alarmOf(room);
    expect(due).not.toBeNull();
    await evictDurableObject(stubOf("timed-doc", room)); // the clients are dropped with the instance
    if (lost) await runInDurableObject(stubOf("timed-doc", room), (_, state) => state.storage.deleteAlarm());

    // A client starts a new instance, which finds the log.
    const c = await YClient.synced(`/parties/timed-doc/${room}`);
    await waitFor(() => c.text === "pending", "reloaded with the logged edit");
    if (lost) {
      // Its wake-up is due now (the platform runs that alarm at once), not compactDelay (30 s) later.
      await waitFor(async () => (await tables("timed-doc", room)).logRows === 0, "compacted by the alarm set at start", 10_000);
    } else {
      expect(await alarmOf(room)).toBe(due); // neither postponed by the restart nor run early
      expect((await tables("timed-doc", room)).logRows).toBeGreaterThan(0);
      expect(await fireLater("timed-doc", room)).toBe(true);
      expect((await tables("timed-doc", room)).logRows).toBe(0);
    }
    expect((await tables("timed-doc", room)).doc.getText("t").toString()).toBe("pending");
    await Promise.all([a.close(), b.close(), c.close()]);
  }
});

it("the log is compacted when the last client leaves", async () => {
  const room = freshRoom("leave-compact");
  const a = await YClient.synced(`/parties/doc/${room}`);
  const b = await YClient.synced(`/parties/doc/${room}`);
  a.doc.getText("t").insert(0, "bye");
  await waitFor(() => b.text === "bye", "b got it");
  await a.close();
  expect((await tables("doc", room)).logRows).toBe(1); // b is still here
  await b.close();
  await waitFor(async () => (await tables("doc", room)).logRows === 0, "compacted after the last close");
  expect((await tables("doc", room)).doc.getText("t").toString()).toBe("bye");
});

it("a document under compactMinBytes (16 KiB) gets no compaction wake-up: no alarm, no table beside its own; it is folded when the room empties", async () => {
  const room = freshRoom("small-untimed");
  const stub = stubOf("doc", room);
  const probe = () =>
    runInDurableObject(stub, async (_, state) => ({
      alarm: await state.storage.getAlarm(),
      tables: state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' ORDER BY name")
        .toArray()
        .map((r) => r.name),
    }));
  const a = await YClient.synced(`/parties/doc/${room}`);
  const b = await YClient.synced(`/parties/doc/${room}`);
  a.doc.getText("t").insert(0, "a small note");
  await waitFor(() => b.text === "a small note", "b got it");
  expect((await tables("doc", room)).logRows).toBe(1);
  expect(await probe()).toEqual({ alarm: null, tables: ["_roomkit_ydoc"] });
  // An eviction with clients still connected keeps the log, and starts no timer either.
  await evictDurableObject(stub);
  const c = await YClient.synced(`/parties/doc/${room}`);
  await waitFor(() => c.text === "a small note", "reloaded from the log");
  expect(await probe()).toEqual({ alarm: null, tables: ["_roomkit_ydoc"] });
  await Promise.all([a.close(), b.close(), c.close()]);
  await waitFor(async () => (await tables("doc", room)).logRows === 0, "folded when the last client left");
  expect((await tables("doc", room)).doc.getText("t").toString()).toBe("a small note");
});

it("a document of compactMinBytes or more is compacted by the timer, with clients still connected", async () => {
  const room = freshRoom("large-timed");
  const a = await YClient.synced(`/parties/doc/${room}`);
  const text = "a paragraph of a longer document. ".repeat(500); // 17 KB
  a.doc.getText("t").insert(0, text);
  await waitFor(async () => (await tables("doc", room)).logRows === 1, "logged");
  expect(await runInDurableObject(stubOf("doc", room), (_, state) => state.storage.getAlarm())).not.toBeNull();
  expect(await fireLater("doc", room)).toBe(true);
  const after = await tables("doc", room);
  expect([after.logRows, after.snapshotParts]).toEqual([0, 1]);
  expect(after.doc.getText("t").toString()).toBe(text);
  await a.close();
});

it("the log is compacted once it outgrows its bounds, without waiting for the timer", async () => {
  const room = freshRoom("size-compact"); // tiny-doc: at most 50 updates or 4 KiB of log
  const a = await YClient.synced(`/parties/tiny-doc/${room}`);
  let maxRows = 0;
  for (let i = 0; i < 120; i++) {
    a.doc.getText("t").insert(0, "x");
    if (i % 10 === 9) {
      await waitFor(
        async () => (await SELF.fetch(`http://x/parties/tiny-doc/${room}`, { method: "HEAD" })).headers.get("etag")!.endsWith(`.${i + 1}"`),
        "caught up",
      );
      maxRows = Math.max(maxRows, (await tables("tiny-doc", room)).logSeqs);
    }
  }
  const t = await tables("tiny-doc", room);
  expect(maxRows).toBeLessThanOrEqual(50);
  expect(t.snapshotParts).toBe(1);
  expect(t.doc.getText("t").length).toBe(120);
  await a.close();
});

/** `n` characters that DEFLATE cannot shrink much (the snapshot is stored deflated): 6 bits of entropy each. */
function incompressible(n: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let x = 12345; // xorshift32: deterministic, and no shorter cycle than DEFLATE's window
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(alphabet[(x >>> 0) % 64]!);
  }
  return out.join("");
}

it("a document of several megabytes is chunked across rows, and arrives whole after eviction", async () => {
  const room = freshRoom("big");
  const text = incompressible(3_200_000); // 3.2 MB in one update, about 2.4 MB deflated
  // lazy-doc keeps updates in the log until the timer or the last close, so the log's own chunking shows.
  const a = await YClient.synced(`/parties/lazy-doc/${room}`);
  a.doc.getText("t").insert(0, text);
  await waitFor(async () => (await tables("lazy-doc", room)).logSeqs === 1, "the update is stored");
  const logged = await tables("lazy-doc", room);
  expect(logged.logRows).toBe(4); // one update, four rows of at most 1 MiB
  expect(logged.doc.getText("t").toString()).toBe(text);
  await a.close();
  await waitFor(async () => (await tables("lazy-doc", room)).logRows === 0, "compacted");
  const snap = await tables("lazy-doc", room);
  expect(snap.snapshotEncoding).toBe(2); // V1, deflated
  expect(snap.snapshotParts).toBe(3);
  expect(Math.max(...snap.partSizes)).toBeLessThanOrEqual(1 << 20);

  await evictDurableObject(stubOf("lazy-doc", room));
  const b = await YClient.synced(`/parties/lazy-doc/${room}`);
  await waitFor(() => b.text.length === text.length, "b received the whole document");
  expect(b.text).toBe(text);
  const res = await SELF.fetch(`http://x/parties/lazy-doc/${room}`);
  const viaHttp = new Y.Doc();
  Y.applyUpdate(viaHttp, new Uint8Array(await res.arrayBuffer()));
  expect(viaHttp.getText("t").toString()).toBe(text);
  await b.close();
});

it("a large update in a default room is folded into the snapshot at once", async () => {
  const room = freshRoom("big-default");
  const a = await YClient.synced(`/parties/doc/${room}`);
  a.doc.getText("t").insert(0, incompressible(1_500_000));
  await waitFor(async () => (await tables("doc", room)).snapshotBytes > 1_000_000, "snapshot written");
  const t = await tables("doc", room);
  expect(t.logRows).toBe(0); // the log outgrew the (empty) snapshot: compacted without waiting
  expect(t.snapshotParts).toBe(2);
  expect(t.doc.getText("t").length).toBe(1_500_000);
  await a.close();
});

it("YPartyKitProvider's chunked messages (over 1 MB) are reassembled", async () => {
  const room = freshRoom("chunked");
  const doc = new Y.Doc();
  doc.getText("t").insert(0, "z".repeat(2_500_000)); // its sync step 2 is sent in 3 chunks
  const p = new YPartyKitProvider("localhost:8787", room, doc, { party: "doc", WebSocketPolyfill: webSocketThrough(SELF) as never, disableBc: true });
  try {
    await waitFor(async () => (await tables("doc", room)).doc.getText("t").length === 2_500_000, "the room has the whole text");
  } finally {
    p.destroy();
  }
});

it.each([
  { party: "doc", gc: true },
  { party: "nogc-doc", gc: false },
])("gc: $gc decides whether deleted content is kept, in memory and in storage", async ({ party, gc }) => {
  const room = freshRoom("gc");
  const a = await YClient.synced(`/parties/${party}/${room}`);
  a.doc.getText("t").insert(0, "secret");
  await waitFor(async () => (await tables(party, room)).doc.getText("t").toString() === "secret", "insert stored");
  a.doc.getText("t").delete(0, 6);
  await waitFor(async () => (await tables(party, room)).doc.getText("t").toString() === "", "delete stored");
  await a.close();
  await waitFor(async () => (await tables(party, room)).logRows === 0, "compacted");
  await evictDurableObject(stubOf(party, room)).catch(() => {});
  const res = await SELF.fetch(`http://x/parties/${party}/${room}`);
  const { structs } = Y.decodeUpdate(new Uint8Array(await res.arrayBuffer()));
  const keptText = structs.some((s) => s instanceof Y.Item && s.content instanceof Y.ContentString && s.content.str.includes("secret"));
  expect(keptText).toBe(!gc);
});

it("compactMinBytes is 16 KiB unless given; 0 and Infinity are accepted; a negative or non-number is refused naming the option", () => {
  expect(resolveYRoomOptions({}).compactMinBytes).toBe(16 * 1024);
  expect(resolveYRoomOptions({ compactMinBytes: 0 }).compactMinBytes).toBe(0);
  expect(resolveYRoomOptions({ compactMinBytes: Number.POSITIVE_INFINITY }).compactMinBytes).toBe(Number.POSITIVE_INFINITY);
  const refused = "YRoom option `compactMinBytes` must be 0 or a positive number (or Infinity), got";
  expect(() => resolveYRoomOptions({ compactMinBytes: -1 })).toThrow(`${refused} -1.`);
  expect(() => resolveYRoomOptions({ compactMinBytes: Number.NaN })).toThrow(`${refused} NaN.`);
  expect(() => resolveYRoomOptions({ compactMinBytes: "16k" as never })).toThrow(`${refused} 16k.`);
});
