// Group commit: updates wait (up to `batchDelay`) to be written as one log row
// and broadcast together; nothing is shown to anyone before it is written.
// batched-doc's window is a minute, so only the room's own flushes write here.
import { SELF } from "cloudflare:test";
import * as encoding from "lib0/encoding";
import { expect, it } from "vitest";
import * as Y from "yjs";
import { connect } from "../../src/testing/index.js";
import { halfValidUpdate } from "./helpers/evil.js";
import { tables } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

const path = (room: string) => `/parties/batched-doc/${room}`;

it("a burst of edits becomes one log row and one frame, revealed only once written", async () => {
  const room = freshRoom("burst");
  const a = await YClient.synced(path(room));
  const b = await YClient.synced(path(room));
  b.awareness.setLocalState({ user: "b" }); // someone present, for a.fence()
  await a.seesPresenceOf(b);
  const b0 = b.updatesReceived; // its sync step 2
  for (let i = 0; i < 50; i++) a.doc.getText("t").insert(i, "x"); // 50 separate updates
  await a.fence();
  expect(b.updatesReceived).toBe(b0); // waiting in the window...
  expect((await tables("batched-doc", room)).doc.getText("t").length).toBe(0); // ...and not written

  // Reading the document over HTTP flushes first: the answer only contains written updates.
  const res = await SELF.fetch(`http://x${path(room)}`);
  const viaHttp = new Y.Doc();
  Y.applyUpdate(viaHttp, new Uint8Array(await res.arrayBuffer()));
  expect(viaHttp.getText("t").length).toBe(50);
  const disk = await tables("batched-doc", room);
  expect(disk.logSeqs).toBe(1);
  expect(disk.doc.getText("t").length).toBe(50);
  await waitFor(() => b.text.length === 50, "b got the burst");
  expect(b.updatesReceived).toBe(b0 + 1);
  await Promise.all([a.close(), b.close()]);
});

it("a client joining while updates wait gets them only after they are written; so do the others", async () => {
  const room = freshRoom("join-flush");
  const a = await YClient.synced(path(room));
  const b = await YClient.synced(path(room));
  b.awareness.setLocalState({ user: "b" });
  await a.seesPresenceOf(b);
  a.doc.getText("t").insert(0, "pending");
  await a.fence();
  expect(b.text).toBe("");
  const c = await YClient.synced(path(room)); // its sync step 1 makes the room write first
  expect(c.text).toBe("pending");
  expect((await tables("batched-doc", room)).doc.getText("t").toString()).toBe("pending");
  await waitFor(() => b.text === "pending", "b got it with the same flush");
  await Promise.all([a.close(), b.close(), c.close()]);
});

it("updates from several clients in one batch reach everyone, each client not sent its own", async () => {
  const room = freshRoom("mixed");
  const a = await YClient.synced(path(room));
  const b = await YClient.synced(path(room));
  const c = await YClient.synced(path(room));
  c.awareness.setLocalState({ user: "c" });
  await a.seesPresenceOf(c);
  await b.seesPresenceOf(c);
  const [a0, b0, c0] = [a, b, c].map((x) => x.updatesReceived);
  a.doc.getText("t").insert(0, "A");
  b.doc.getText("t").insert(0, "B");
  await a.fence();
  await b.fence();
  await SELF.fetch(`http://x${path(room)}`, { method: "HEAD" }); // flush
  await waitFor(() => [a, b, c].every((x) => x.text.length === 2), "everyone has both");
  expect(a.text).toBe(b.text);
  expect(c.updatesReceived).toBe(c0 + 2);
  expect(a.updatesReceived).toBe(a0 + 1); // only b's
  expect(b.updatesReceived).toBe(b0 + 1); // only a's
  await Promise.all([a.close(), b.close(), c.close()]);
});

it("the last client leaving writes what is waiting", async () => {
  const room = freshRoom("leave-flush");
  const a = await YClient.synced(path(room));
  a.awareness.setLocalState({ user: "a" }); // alone: the room's answer to a.fence() carries a's own state
  a.doc.getText("t").insert(0, "bye");
  await a.fence();
  expect((await tables("batched-doc", room)).doc.getText("t").toString()).toBe("");
  await a.close();
  await waitFor(async () => (await tables("batched-doc", room)).doc.getText("t").toString() === "bye", "written on leave");
});

it("an update Yjs rejects halfway, while valid ones wait, never reaches storage (not even via a compaction)", async () => {
  const room = freshRoom("half");
  const p = `/parties/batched-compacting-doc/${room}`;
  const a = await YClient.synced(p);
  a.awareness.setLocalState({ user: "a" });
  a.doc.getText("t").insert(0, "good");
  await a.fence(); // "good" waits in the batch
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 0);
  encoding.writeVarUint(enc, 2);
  encoding.writeVarUint8Array(enc, halfValidUpdate(a.doc));
  const bad = await connect(SELF, p); // a raw socket: no sync step 1, which would flush the batch first
  bad.send(encoding.toUint8Array(enc));
  expect((await bad.closed).code).toBe(1007);

  const disk = await tables("batched-compacting-doc", room);
  expect(disk.doc.getText("t").toString()).toBe("good"); // the waiting update was kept...
  const late = await YClient.synced(p);
  expect(late.text).toBe("good"); // ...and nothing of the rejected one, in memory either
  a.doc.getText("t").insert(4, "!");
  await a.fence(); // the "!" waits in the batch (a 60 s window) before the HEAD below flushes it
  await SELF.fetch(`http://x${p}`, { method: "HEAD" }); // flush: this write compacts
  await waitFor(async () => (await tables("batched-compacting-doc", room)).snapshotBytes > 0, "compacted");
  const after = await tables("batched-compacting-doc", room);
  expect(after.logRows).toBe(0);
  expect(after.doc.getText("t").toString()).toBe("good!");
  await Promise.all([a.close(), late.close()]);
});
