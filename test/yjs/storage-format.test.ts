// Storage format 2 (one table; the snapshot is the V1 update clients are sent,
// deflated; merged batches in Yjs's V2 encoding) and documents stored by
// earlier releases (format 1: three tables of V1 updates; format 2 with a V2
// snapshot), which load, take edits, and are rewritten by their next
// compaction. Compression is asynchronous: what is written meanwhile stays in
// the log. Clients keep speaking V1; HTTP serves V1.
import { SELF, evictDurableObject, runInDurableObject } from "cloudflare:test";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import { expect, it } from "vitest";
import * as Y from "yjs";
import { connect } from "../../src/testing/index.js";
import { halfValidUpdate } from "./helpers/evil.js";
import { fireLater, stubOf, tables } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

/**
 * Writes a document the way an earlier release stored it: three tables, V1 snapshot and log rows,
 * metadata as key/value rows; with log rows, also the compaction timer those releases kept as a row
 * of the timers table, and its platform alarm.
 */
async function writeFormat1(party: string, room: string, snapshot: Uint8Array, log: Uint8Array[], epoch: string, snapshotVersion: number): Promise<void> {
  await runInDurableObject(stubOf(party, room), async (_instance, state) => {
    const sql = state.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS _roomkit_yjs_log (seq INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (seq, part))");
    sql.exec("CREATE TABLE IF NOT EXISTS _roomkit_yjs_snapshot (part INTEGER PRIMARY KEY, data BLOB NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS _roomkit_yjs_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec("INSERT INTO _roomkit_yjs_snapshot (part, data) VALUES (0, ?)", snapshot.slice().buffer);
    log.forEach((u, i) => sql.exec("INSERT INTO _roomkit_yjs_log (seq, part, data) VALUES (?, 0, ?)", snapshotVersion + 1 + i, u.slice().buffer));
    sql.exec("INSERT INTO _roomkit_yjs_meta (key, value) VALUES ('epoch', ?), ('snapshotVersion', ?)", epoch, String(snapshotVersion));
    if (log.length === 0) return;
    const due = Date.now() + 30_000;
    sql.exec(`CREATE TABLE IF NOT EXISTS _roomkit_timers (
      name TEXT PRIMARY KEY, at INTEGER NOT NULL, every INTEGER, payload TEXT,
      attempt INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0)`);
    sql.exec("INSERT INTO _roomkit_timers (name, at) VALUES ('roomkit:flush:yjs-compact', ?)", due);
    await state.storage.setAlarm(due);
  });
  await evictDurableObject(stubOf(party, room)); // the room starts from what is on disk
}

/** A V1 snapshot of "hello " and two V1 updates after it (", world" and "!"), as one client typed them. */
function format1Document(): { snapshot: Uint8Array; log: Uint8Array[]; text: string } {
  const d = new Y.Doc();
  const t = d.getText("t");
  t.insert(0, "hello ");
  const snapshot = Y.encodeStateAsUpdate(d);
  const log: Uint8Array[] = [];
  d.on("update", (u: Uint8Array) => log.push(u));
  t.insert(t.length, ", world");
  t.insert(t.length, "!");
  return { snapshot, log, text: t.toString() };
}

async function tableNames(party: string, room: string): Promise<string[]> {
  return runInDurableObject(stubOf(party, room), (_i, state) =>
    [...state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%roomkit_y%'")].map((r) => r.name).sort(),
  );
}

async function get(path: string): Promise<{ etag: string | null; text: string }> {
  const res = await SELF.fetch(`http://x${path}`);
  expect(res.status).toBe(200);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await res.arrayBuffer())); // V1, as before
  return { etag: res.headers.get("etag"), text: doc.getText("t").toString() };
}

it("a document stored by an earlier release (V1, three tables) loads, takes edits in its own format, moves to format 2 in its next compaction, and reloads identical", async () => {
  const room = freshRoom("format1");
  const path = `/parties/doc/${room}`;
  const stored = format1Document();
  await writeFormat1("doc", room, stored.snapshot, stored.log, "legacy01", 3);

  // Loads: the same text, the same ETag as the previous release served (epoch.version).
  expect(await get(path)).toEqual({ etag: '"legacy01.5"', text: "hello , world!" });

  const a = await YClient.synced(path);
  expect(a.text).toBe("hello , world!");
  a.doc.getText("t").insert(0, ">> ");
  // Appended before compaction: still format 1, a V1 row after the old ones.
  await waitFor(async () => (await tables("doc", room)).logSeqs === 3, "the edit is appended");
  const before = await tables("doc", room);
  expect([before.format, before.logV2, before.doc.getText("t").toString()]).toEqual([1, 0, ">> hello , world!"]);

  await a.close(); // the last client leaves: compaction
  await waitFor(async () => (await tables("doc", room)).format === 2, "moved to format 2");
  const after = await tables("doc", room);
  expect(after).toMatchObject({ logRows: 0, snapshotParts: 1, meta: { format: 2, epoch: "legacy01", snapshotVersion: 6 } });
  expect(await tableNames("doc", room)).toEqual(["_roomkit_ydoc"]); // snapshot and log replaced together, old tables gone
  expect(after.snapshotEncoding).toBe(2); // V1, deflated
  expect(after.doc.getText("t").toString()).toBe(">> hello , world!");

  await evictDurableObject(stubOf("doc", room));
  expect(await get(path)).toEqual({ etag: '"legacy01.6"', text: ">> hello , world!" });
  const b = await YClient.synced(path);
  expect(b.text).toBe(">> hello , world!");
  expect(Y.encodeStateVector(b.doc)).toEqual(Y.encodeStateVector(before.doc));
  b.doc.getText("t").insert(b.text.length, " <<");
  await waitFor(async () => (await tables("doc", room)).doc.getText("t").toString() === ">> hello , world! <<", "edits keep working in format 2");
  await b.close();
  // The last close compacts, then clears the compaction's alarm: the test ends once the room is done
  // (the next tests move Date.now for the whole isolate while they run an alarm).
  await waitFor(
    async () => (await tables("doc", room)).logRows === 0 && (await runInDurableObject(stubOf("doc", room), (_i, state) => state.storage.getAlarm())) === null,
    "the last close's compaction finished",
  );
});

it("a crash between append and compaction loses nothing, in either format", async () => {
  // Format 1: the row appended to an old document is there after the crash, and the compaction timer then moves it.
  const old = freshRoom("crash-format1");
  const stored = format1Document();
  await writeFormat1("doc", old, stored.snapshot, stored.log, "legacy02", 3);
  const a = await YClient.synced(`/parties/doc/${old}`);
  a.doc.getText("t").insert(0, "1:");
  await waitFor(async () => (await tables("doc", old)).logSeqs === 3, "appended");
  await evictDurableObject(stubOf("doc", old)); // no compaction ran (the hibernated socket stays open)
  expect(await get(`/parties/doc/${old}`)).toEqual({ etag: '"legacy02.6"', text: "1:hello , world!" });
  expect((await tables("doc", old)).format).toBe(1);
  expect(await fireLater("doc", old)).toBe(true); // the compaction timer survived the crash
  expect(await tables("doc", old)).toMatchObject({ format: 2, logRows: 0 });
  expect(await get(`/parties/doc/${old}`)).toEqual({ etag: '"legacy02.6"', text: "1:hello , world!" });
  await a.close();

  // Format 2: a merged batch is stored as one V2 row, and is read back after the crash.
  const room = freshRoom("crash-format2");
  const path = `/parties/batched-doc/${room}`;
  const b = await YClient.synced(path);
  b.awareness.setLocalState({ name: "b" }); // so that fence() gets an answer
  const t = b.doc.getText("t");
  for (let i = 0; i < 200; i++) t.insert((i * 7) % (t.length + 1), String.fromCharCode(97 + (i % 26)));
  await b.fence(); // the room has every update (still waiting in its long group-commit window)
  const served = await get(path); // flushes the batch: one merged row
  expect(served.text).toBe(t.toString());
  const log = await tables("batched-doc", room);
  expect([log.format, log.logSeqs, log.logV2]).toEqual([2, 1, 1]);
  await evictDurableObject(stubOf("batched-doc", room));
  expect(await get(path)).toEqual(served);
  await b.close();
});

it("new documents log merged batches in V2 and a single small update in V1, and their snapshot is under half the V1 size", async () => {
  const room = freshRoom("format2");
  const path = `/parties/doc/${room}`;
  const a = await YClient.synced(path);
  a.doc.getText("t").insert(0, "x");
  await waitFor(async () => (await tables("doc", room)).logSeqs === 1, "one keystroke stored");
  expect(await tables("doc", room)).toMatchObject({ format: 2, logV2: 0 });
  a.doc.transact(() => scatter(a.doc.getText("t"), 500));
  await waitFor(async () => (await tables("doc", room)).logSeqs === 2, "the large update stored");
  expect((await tables("doc", room)).logV2).toBe(1);
  await a.close();
  await waitFor(async () => (await tables("doc", room)).logRows === 0, "compacted");
  const disk = await tables("doc", room);
  expect(disk.doc.getText("t").toString()).toBe(a.text);
  expect(await tableNames("doc", room)).toEqual(["_roomkit_ydoc"]);
  const v1 = Y.encodeStateAsUpdate(disk.doc).byteLength;
  expect(disk.snapshotBytes).toBeLessThan(v1 / 2);
});

/** Inserts `n` characters one by one at pseudo-random places: many small items, where V2's run-length encoding of ids pays most. */
function scatter(t: Y.Text, n: number): void {
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    t.insert(x % (t.length + 1), "x");
  }
}

function updateFrame(update: Uint8Array): Uint8Array {
  const f = encoding.createEncoder();
  encoding.writeVarUint(f, 0);
  syncProtocol.writeUpdate(f, update);
  return encoding.toUint8Array(f);
}

it("maxDocumentBytes still limits the V1 size after a reload from a much smaller (deflated) snapshot (1009 / 413)", async () => {
  const room = freshRoom("v2-limit");
  const path = `/parties/limited-doc/${room}`; // maxDocumentBytes: 8 KiB
  // 450 single characters at scattered places: about 7 KB in V1, 2 KB in V2 or deflated. The client
  // id is fixed: every item names its neighbours' ids in V1, so a random id under 2^28 (one byte
  // shorter as a varint) made the document 875 bytes smaller, and the update below then fit (1 run in 16).
  const local = new Y.Doc();
  local.clientID = 0xfedcba98;
  scatter(local.getText("t"), 450);
  const v1 = Y.encodeStateAsUpdate(local);
  expect(v1.byteLength).toBeGreaterThan(6_500);
  expect(v1.byteLength).toBeLessThan(7_500);
  const posted = await SELF.fetch(`http://x${path}`, { method: "POST", body: v1 });
  expect(posted.status).toBe(204);
  await fireLater("limited-doc", room); // compacted into a deflated snapshot
  const disk = await tables("limited-doc", room);
  expect([disk.format, disk.logRows]).toEqual([2, 0]);
  expect(disk.snapshotBytes).toBeLessThan(3_000);
  await evictDurableObject(stubOf("limited-doc", room)); // nothing in memory knows the V1 size now

  const add = new Y.Doc();
  add.clientID = 0x0badcafe;
  add.getText("t").insert(0, "b".repeat(2_000)); // 7 KB + 2 KB > 8 KiB in V1; 2.x KB + 2 KB would fit as stored
  const reason = "This update would grow the document past its limit of 8192 bytes (maxDocumentBytes); it was not applied.";
  const writer = await connect(SELF, path);
  writer.send(updateFrame(Y.encodeStateAsUpdate(add)));
  expect(await writer.closed).toEqual({ code: 1009, reason });
  await evictDurableObject(stubOf("limited-doc", room));
  const http = await SELF.fetch(`http://x${path}`, { method: "POST", body: Y.encodeStateAsUpdate(add) });
  expect([http.status, await http.text()]).toEqual([413, reason]);

  // What fits is still accepted, and nothing of the refused update was stored.
  const small = new Y.Doc();
  small.getText("t").insert(0, "ok");
  expect((await SELF.fetch(`http://x${path}`, { method: "POST", body: Y.encodeStateAsUpdate(small) })).status).toBe(204);
  const after = await get(path);
  expect(after.text).toHaveLength(452);
  expect(after.text).not.toContain("b");
});

it("the compacted snapshot is the V1 update clients are sent, deflated: a third of V1 and smaller than V2, read back whole after eviction", async () => {
  const room = freshRoom("deflated");
  const path = `/parties/doc/${room}`;
  const a = await YClient.synced(path);
  a.doc.transact(() => scatter(a.doc.getText("t"), 2_000));
  await a.close(); // the last client leaves: compaction
  await waitFor(async () => (await tables("doc", room)).logRows === 0, "compacted");
  const disk = await tables("doc", room);
  expect(disk.snapshotEncoding).toBe(2); // the `v2` column: V1, deflated
  expect(disk.doc.getText("t").toString()).toBe(a.text); // inflated independently of the room's code
  const v1 = Y.encodeStateAsUpdate(disk.doc).byteLength;
  const v2 = Y.encodeStateAsUpdateV2(disk.doc).byteLength;
  expect(disk.snapshotBytes).toBeLessThan(v1 / 2);
  expect(disk.snapshotBytes).toBeLessThan(v2);
  await evictDurableObject(stubOf("doc", room));
  const b = await YClient.synced(path);
  expect(b.text).toBe(a.text);
  expect(Y.encodeStateVector(b.doc)).toEqual(Y.encodeStateVector(disk.doc));
  await b.close();
});

it("a V2 snapshot written by the previous release loads cold, is served and edited, and its next compaction deflates it", async () => {
  const room = freshRoom("v2-snapshot");
  const path = `/parties/doc/${room}`;
  const old = new Y.Doc();
  scatter(old.getText("t"), 300);
  await runInDurableObject(stubOf("doc", room), (_i, state) => {
    const sql = state.storage.sql;
    sql.exec("CREATE TABLE _roomkit_ydoc (id INTEGER PRIMARY KEY, v2 INTEGER NOT NULL, data BLOB NOT NULL)");
    const meta = { format: 2, epoch: "release1", snapshotVersion: 4 };
    sql.exec("INSERT INTO _roomkit_ydoc (id, v2, data) VALUES (-65536, 0, ?)", JSON.stringify(meta));
    sql.exec("INSERT INTO _roomkit_ydoc (id, v2, data) VALUES (0, 1, ?)", Y.encodeStateAsUpdateV2(old).slice().buffer);
  });
  await evictDurableObject(stubOf("doc", room));
  expect(await get(path)).toEqual({ etag: '"release1.4"', text: old.getText("t").toString() });
  const a = await YClient.synced(path);
  expect(a.text).toBe(old.getText("t").toString());
  a.doc.getText("t").insert(0, "new:");
  await waitFor(async () => (await tables("doc", room)).logSeqs === 1, "the edit is logged after the V2 snapshot");
  expect((await tables("doc", room)).snapshotEncoding).toBe(1);
  await a.close();
  await waitFor(async () => (await tables("doc", room)).logRows === 0, "compacted");
  const disk = await tables("doc", room);
  expect([disk.snapshotEncoding, disk.meta.snapshotVersion, disk.doc.getText("t").toString()]).toEqual([2, 5, a.text]);
  await evictDurableObject(stubOf("doc", room));
  expect(await get(path)).toEqual({ etag: '"release1.5"', text: a.text });
});

it("an update written while the snapshot is being compressed stays in the log, after it: nothing is lost", async () => {
  const room = freshRoom("compact-race");
  const path = `/parties/tiny-doc/${room}`; // compacts at 50 log rows; batchDelay 0: one row per update
  // In one turn: the 50th row starts a compaction (of version 50), which compresses asynchronously,
  // and the 51st is written before the compaction writes its snapshot.
  expect((await SELF.fetch(`http://x${path}?server-edits=51`, { method: "POST" })).status).toBe(204);
  await waitFor(async () => (await tables("tiny-doc", room)).meta.snapshotVersion === 50, "compacted up to version 50");
  const disk = await tables("tiny-doc", room);
  expect([disk.logSeqs, disk.snapshotEncoding]).toEqual([1, 2]); // version 51 is still in the log
  const typed = [..."abcdefghijklmnopqrstuvwxyz".repeat(2)].slice(0, 51).join("");
  expect(disk.doc.getText("t").toString()).toBe(typed);
  await evictDurableObject(stubOf("tiny-doc", room));
  expect((await get(path)).text).toBe(typed);
  // The compaction timer, armed by the first of those rows, folds the rest.
  expect(await fireLater("tiny-doc", room)).toBe(true);
  expect(await tables("tiny-doc", room)).toMatchObject({ logRows: 0, snapshotEncoding: 2, meta: { snapshotVersion: 51 } });
  expect((await get(path)).text).toBe(typed);
});

it("a rejected update after a compaction rebuilds the document from the deflated snapshot: the sender alone is closed (1007), nothing is lost", async () => {
  const room = freshRoom("reload-deflated");
  const path = `/parties/timed-doc/${room}`;
  const good = await YClient.synced(path);
  good.doc.getText("t").insert(0, "kept");
  await waitFor(async () => (await tables("timed-doc", room)).logSeqs === 1, "logged");
  expect(await fireLater("timed-doc", room)).toBe(true); // compacted: the snapshot is deflated, the log empty
  expect(await tables("timed-doc", room)).toMatchObject({ logRows: 0, snapshotEncoding: 2 });
  good.doc.getText("t").insert(4, " too"); // the room's document is built, with a log row after the snapshot
  await waitFor(async () => (await tables("timed-doc", room)).logSeqs === 1, "logged after the snapshot");

  // Yjs integrates this update's insert and then throws on its cut delete set: the document must be rebuilt from storage.
  const bad = await connect(SELF, path);
  bad.send(updateFrame(halfValidUpdate(good.doc)));
  expect(await bad.closed).toEqual({ code: 1007, reason: "Invalid Yjs update." });

  good.doc.getText("t").insert(good.text.length, "!");
  const late = await YClient.synced(path);
  await waitFor(() => late.text === "kept too!", "a newcomer gets the rebuilt document with the next edit");
  expect(good.closeInfo).toBeUndefined();
  expect((await get(path)).text).toBe("kept too!");
  await Promise.all([good.close(), late.close()]);
});
