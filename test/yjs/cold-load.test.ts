// Loading a document into a cold room: a room that wakes with its document
// compacted into one stored snapshot answers joining clients (state vector,
// sync reply) and HTTP reads from that snapshot, and builds the Y.Doc only
// when something needs it (an edit, a save). Whatever path serves them,
// clients and HTTP must see exactly the stored document, offline edits must be
// asked for and kept, and bad input must still get its precise answer.
import { SELF, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import * as Y from "yjs";
import { stubOf, tables } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

/** Typing with deletions and from two replicas, so the snapshot holds several clients, tombstones and a delete set. */
function edit(doc: Y.Doc, seed: number, count: number): void {
  const t = doc.getText("t");
  for (let i = 0; i < count; i++) {
    const at = (i * 31 + seed) % (t.length + 1);
    if (i % 5 === 4 && t.length > 3) t.delete(Math.min(at, t.length - 2), 2);
    else t.insert(at, String.fromCharCode(97 + ((i + seed) % 26)));
  }
}

async function get(path: string): Promise<{ status: number; etag: string | null; text: string }> {
  const res = await SELF.fetch(`http://x${path}`);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await res.arrayBuffer()));
  return { status: res.status, etag: res.headers.get("etag"), text: doc.getText("t").toString() };
}

/** A room whose document two clients typed, compacted when they left, then evicted: it starts from its snapshot alone. */
async function coldRoom(prefix: string): Promise<{ path: string; room: string; full: Y.Doc; early: Uint8Array; etag: string | null }> {
  const room = freshRoom(prefix);
  const path = `/parties/doc/${room}`;
  const a = await YClient.synced(path);
  const b = await YClient.synced(path);
  edit(a.doc, 1, 150);
  await waitFor(() => b.text === a.text, "b follows a");
  const early = Y.encodeStateAsUpdate(b.doc); // what a client that goes offline now holds
  edit(b.doc, 7, 150);
  await waitFor(() => a.text === b.text, "a follows b");
  const full = new Y.Doc();
  Y.applyUpdate(full, Y.encodeStateAsUpdate(a.doc));
  await a.close();
  await b.close();
  await waitFor(async () => (await tables("doc", room)).logRows === 0, "the log is compacted when the last client leaves");
  expect(await tables("doc", room)).toMatchObject({ format: 2, snapshotParts: 1 });
  const { etag } = await get(path);
  await evictDurableObject(stubOf("doc", room));
  return { path, room, full, early, etag };
}

it("a client joining a cold room gets exactly the stored document, edits it, and everyone (and a reload) sees the edit", async () => {
  const { path, room, full } = await coldRoom("cold-join");
  const fullText = full.getText("t").toString();
  const reader = await YClient.synced(path);
  expect(reader.text).toBe(fullText);
  expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVector(full));
  const other = await YClient.synced(path); // joins before any edit: still served from the snapshot
  expect(other.text).toBe(fullText);

  reader.doc.getText("t").insert(0, "[first edit after the cold load] ");
  await waitFor(() => other.text === reader.text, "the edit is broadcast");
  await waitFor(async () => (await tables("doc", room)).doc.getText("t").toString() === reader.text, "the edit is persisted");
  const expected = reader.text;
  await reader.close();
  await other.close();

  await evictDurableObject(stubOf("doc", room));
  const again = await YClient.synced(path);
  expect(again.text).toBe(expected);
  await again.close();
});

/** Makes the room's metadata look as a release before the snapshot's state vector was stored with it wrote it. */
async function dropStoredVector(room: string): Promise<void> {
  await runInDurableObject(stubOf("doc", room), (_i, state) => {
    const sql = state.storage.sql;
    const meta = JSON.parse(sql.exec<{ data: string }>("SELECT data FROM _roomkit_ydoc WHERE id = -65536").one().data) as Record<string, unknown>;
    expect(typeof meta.vector).toBe("string");
    delete meta.vector;
    sql.exec("UPDATE _roomkit_ydoc SET data = ? WHERE id = -65536", JSON.stringify(meta));
  });
  await evictDurableObject(stubOf("doc", room));
}

it.each([
  ["stored with the snapshot", false],
  ["read from a snapshot stored without it", true],
])("a client that was offline gets what it lacks from a cold room, and its offline edits are asked for and kept (state vector %s)", async (_, older) => {
  const { path, room, full, early } = await coldRoom("cold-offline");
  if (older) await dropStoredVector(room);
  const offline = new Y.Doc();
  Y.applyUpdate(offline, early);
  offline.getText("t").insert(0, "[typed offline] ");
  const expected = new Y.Doc();
  Y.applyUpdate(expected, Y.encodeStateAsUpdate(full));
  Y.applyUpdate(expected, Y.encodeStateAsUpdate(offline));

  const back = await YClient.open(path, undefined, Y.encodeStateAsUpdate(offline));
  await waitFor(() => back.syncedOnce, "the room answers the client's state vector");
  expect(back.text).toBe(expected.getText("t").toString());
  // The room's sync step 1 (its state vector, from the snapshot) made the client send its offline edit.
  await waitFor(async () => (await tables("doc", room)).doc.getText("t").toString() === expected.getText("t").toString(), "the offline edit is stored");
  await back.close();
});

it("HTTP reads of a cold room serve the stored document with the ETag it had, and an edit then changes both", async () => {
  const { path, full, etag } = await coldRoom("cold-http");
  const first = await get(path);
  expect(first).toEqual({ status: 200, etag, text: full.getText("t").toString() });
  const notModified = await SELF.fetch(`http://x${path}`, { headers: { "if-none-match": first.etag! } });
  expect(notModified.status).toBe(304);
  await notModified.arrayBuffer();

  const edit = new Y.Doc();
  Y.applyUpdate(edit, Y.encodeStateAsUpdate(full));
  const sv = Y.encodeStateVector(edit);
  edit.getText("t").insert(0, "posted: ");
  const post = await SELF.fetch(`http://x${path}`, { method: "POST", body: Y.encodeStateAsUpdate(edit, sv) });
  expect(post.status).toBe(204);
  const after = await get(path);
  expect(after.text).toBe(`posted: ${full.getText("t").toString()}`);
  expect(after.etag).not.toBe(first.etag);
});

it("a garbage state vector sent to a cold room closes that connection with 1007, and the room keeps serving the document", async () => {
  const { path, full } = await coldRoom("cold-bad-sv");
  const bad = await YClient.open(path);
  bad.send(Uint8Array.of(0, 0, 2, 3, 1)); // sync step 1 whose state vector names 3 clients and stops after one id
  expect(await bad.closed).toEqual({ code: 1007, reason: "Invalid state vector in sync step 1." });
  const good = await YClient.synced(path);
  expect(good.text).toBe(full.getText("t").toString());
  await good.close();
});
