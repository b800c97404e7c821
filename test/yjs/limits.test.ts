// One client cannot exhaust a Yjs room's memory or its peers': presence is
// bounded per connection and per room, bytes per second per connection,
// chunked messages in time and in total, and the document in size. Offenders
// are closed with a policy code; honest peers keep editing. Every offender
// here is a raw socket speaking the y-websocket wire protocol.
import { SELF } from "cloudflare:test";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { expect, it } from "vitest";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { tables } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

type Entry = [clientID: number, clock: number, state: unknown];

function awarenessFrame(entries: Entry[]): Uint8Array {
  const u = encoding.createEncoder();
  encoding.writeVarUint(u, entries.length);
  for (const [id, clock, state] of entries) {
    encoding.writeVarUint(u, id);
    encoding.writeVarUint(u, clock);
    encoding.writeVarString(u, JSON.stringify(state));
  }
  const f = encoding.createEncoder();
  encoding.writeVarUint(f, 1);
  encoding.writeVarUint8Array(f, encoding.toUint8Array(u));
  return encoding.toUint8Array(f);
}

function updateFrame(update: Uint8Array): Uint8Array {
  const f = encoding.createEncoder();
  encoding.writeVarUint(f, 0);
  syncProtocol.writeUpdate(f, update);
  return encoding.toUint8Array(f);
}

/** A Yjs update inserting `text` at the start of text "t" of a fresh document. */
function insertUpdate(text: string): Uint8Array {
  const d = new Y.Doc();
  d.getText("t").insert(0, text);
  return Y.encodeStateAsUpdate(d);
}

/** Two honest editors that see each other; returns a check that they still edit together. */
async function honestPair(path: string) {
  const a = await YClient.synced(path);
  const b = await YClient.synced(path);
  return {
    a,
    b,
    async stillEditing(text: string) {
      a.doc.getText("t").insert(0, text);
      await waitFor(() => b.text.includes(text), `"${text}" reached the other editor`);
      expect(a.closeInfo).toBeUndefined();
      expect(b.closeInfo).toBeUndefined();
    },
    close: () => Promise.all([a.close(), b.close()]),
  };
}

it("one 7 MB awareness frame with 600,000 client ids is refused with 1008; peers never hold those states", async () => {
  const path = `/parties/doc/${freshRoom("flood")}`;
  const peers = await honestPair(path);
  const flood: Entry[] = [];
  for (let i = 0; i < 600_000; i++) flood.push([1_000_000 + i, 1, { n: 1 }]);
  const frame = awarenessFrame(flood);
  expect(frame.byteLength).toBeGreaterThan(7_000_000);
  const attacker = await connect(SELF, path);
  attacker.send(frame);
  expect(await attacker.closed).toEqual({ code: 1008, reason: "Awareness for more than 4 client ids from one connection." });
  await peers.stillEditing("after the flood");
  expect(peers.a.awareness.getStates().size).toBe(0); // nothing of the flood was relayed
  const late = await YClient.synced(path); // a newcomer is sent everyone's presence right after sync step 1
  await peers.stillEditing("and later");
  expect(late.awarenessReceived).toBe(0); // nothing of the flood was stored
  await Promise.all([peers.close(), late.close()]);
});

it("a connection sets presence for at most 4 client ids; echoes of others' states and removals of others do not count", async () => {
  const path = `/parties/doc/${freshRoom("ids")}`;
  const watcher = await YClient.synced(path);
  // Six peers, one id each.
  const peers: TestSocket[] = [];
  for (let i = 0; i < 6; i++) {
    const p = await connect(SELF, path);
    p.send(awarenessFrame([[100 + i, 1, { peer: i }]]));
    peers.push(p);
  }
  await waitFor(() => watcher.awareness.getStates().size === 6, "six peers present");

  // A y-websocket client re-sends every awareness change it receives (same clocks): the room's
  // "everyone" frame comes back verbatim, plus its own state. That is not taking over 6 ids.
  const echo = await connect(SELF, path);
  let everyone: ArrayBuffer | undefined;
  while (!everyone) {
    const m = await echo.next();
    if (typeof m !== "string" && new Uint8Array(m)[0] === 1) everyone = m;
  }
  echo.send(new Uint8Array(everyone));
  echo.send(
    awarenessFrame([
      [200, 1, { me: "echo" }],
      [201, 1, { tab: 2 }],
    ]),
  );
  // ... nor is a removal of another connection's client (y-websocket sends those when a peer
  // goes quiet on its side): it is ignored.
  echo.send(awarenessFrame([[100, 2, null]]));
  await waitFor(() => watcher.awareness.getStates().has(201), "echo's own states relayed");
  expect(watcher.awareness.getStates().has(100)).toBe(true);

  // Two more of its own make four: fine. A fifth closes it with 1008.
  echo.send(
    awarenessFrame([
      [202, 1, {}],
      [203, 1, {}],
    ]),
  );
  await waitFor(() => watcher.awareness.getStates().has(203), "four ids of one connection");
  echo.send(awarenessFrame([[204, 1, {}]]));
  expect(await echo.closed).toEqual({ code: 1008, reason: "Awareness for more than 4 client ids from one connection." });
  // Its four ids leave with it; everyone else stays.
  await waitFor(() => !watcher.awareness.getStates().has(200), "the offender's presence removed");
  expect([...watcher.awareness.getStates().keys()].sort()).toEqual([100, 101, 102, 103, 104, 105]);
  expect(watcher.closeInfo).toBeUndefined();
  await Promise.all([watcher.close(), ...peers.map((p) => p.close())]);
});

it("presence bytes are capped per connection (1008) and per room (further states ignored)", async () => {
  const path = `/parties/limited-doc/${freshRoom("bytes")}`;
  const watcher = await YClient.synced(path);
  const big = await connect(SELF, path);
  big.send(awarenessFrame([[1, 1, { pad: "x".repeat(3000) }]])); // 3 KB > 2 KiB per connection
  expect(await big.closed).toEqual({ code: 1008, reason: "Awareness states of one connection exceed 2048 bytes." });

  // 1.5 KB each: two fit in the room's 4 KiB, the third is ignored (its sender is not at fault).
  const sockets: TestSocket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await connect(SELF, path);
    s.send(awarenessFrame([[10 + i, 1, { pad: "y".repeat(1500) }]]));
    sockets.push(s);
  }
  await waitFor(() => watcher.awareness.getStates().size === 2, "two states relayed");
  const late = await YClient.synced(path);
  await waitFor(() => late.awareness.getStates().size === 2, "a newcomer is shown the two");
  expect(late.awareness.getStates().has(12)).toBe(false);
  // Once one leaves there is room again.
  await sockets[0]!.close();
  await waitFor(() => !watcher.awareness.getStates().has(10), "first left");
  sockets[2]!.send(awarenessFrame([[12, 2, { pad: "z".repeat(1500) }]]));
  await waitFor(() => watcher.awareness.getStates().has(12), "the third state fits now");
  await Promise.all([watcher.close(), late.close(), ...sockets.slice(1).map((s) => s.close())]);
});

it("a connection sending more bytes per second than allowed is closed with 1008; its peers keep editing", async () => {
  const path = `/parties/limited-doc/${freshRoom("rate")}`;
  const peers = await honestPair(path);
  const flooder = await connect(SELF, path);
  // Query-awareness frames padded to 60 KB are harmless one by one; 128 KiB burst + 64 KiB/s is not 20 of them at once.
  const frame = new Uint8Array(60_000);
  frame[0] = 3;
  for (let i = 0; i < 20; i++) {
    try {
      flooder.send(frame);
    } catch {
      break; // closed already
    }
  }
  expect(await flooder.closed).toEqual({ code: 1008, reason: "Sending more than 65536 bytes per second." });
  await peers.stillEditing("unbothered");
  await peers.close();
});

it("a chunked message left unfinished times out (1008) and frees its bytes; chunked messages in progress are capped per room (1013)", async () => {
  const path = `/parties/limited-doc/${freshRoom("chunks")}`;
  const peers = await honestPair(path);
  const start = (id: string, size: number, count: number) => `y-pk-batch#${JSON.stringify({ id, type: "start", size, count })}`;

  const slow = await connect(SELF, path);
  slow.send(start("a", 60_000, 2));
  slow.send(new Uint8Array(30_000)); // half of it, then nothing
  // While it holds 60 KB, another 60 KB batch passes the room's 96 KiB: refused, try again later.
  const second = await connect(SELF, path);
  second.send(start("b", 60_000, 2));
  expect(await second.closed).toEqual({ code: 1013, reason: "The room is receiving too many large messages at once; reconnect and try again." });
  expect(await slow.closed).toEqual({ code: 1008, reason: "Chunked message not completed within 2 s." });

  // Its bytes were released: a complete chunked update of the same size goes through.
  const update = updateFrame(insertUpdate("chunked!"));
  const third = await connect(SELF, path);
  third.send(start("c", update.byteLength, 2));
  third.send(update.subarray(0, 5));
  third.send(update.subarray(5));
  third.send(`y-pk-batch#${JSON.stringify({ id: "c", type: "end", size: update.byteLength, count: 2 })}`);
  await waitFor(() => peers.a.text.includes("chunked!"), "the chunked update arrived");
  await peers.stillEditing("still fine");
  await Promise.all([peers.close(), third.close()]);
});

it("maxDocumentBytes: an update that would grow the document past it is refused (1009 / 413); the stored document is untouched and loads", async () => {
  const room = freshRoom("docsize");
  const path = `/parties/limited-doc/${room}`;
  const peers = await honestPair(path);
  peers.a.doc.getText("t").insert(0, "a".repeat(5_000));
  await waitFor(() => peers.b.text.length === 5_000, "5 KB shared");

  const writer = await connect(SELF, path);
  writer.send(updateFrame(insertUpdate("b".repeat(5_000)))); // 10 KB in all: over 8 KiB
  expect(await writer.closed).toEqual({
    code: 1009,
    reason: "This update would grow the document past its limit of 8192 bytes (maxDocumentBytes); it was not applied.",
  });
  const http = await SELF.fetch(`http://x${path}`, { method: "POST", body: insertUpdate("c".repeat(5_000)) });
  expect([http.status, await http.text()]).toEqual([
    413,
    "This update would grow the document past its limit of 8192 bytes (maxDocumentBytes); it was not applied.",
  ]);

  // Small edits still fit; the refused ones are nowhere: not in storage, not at the peers, not for newcomers.
  await peers.stillEditing("ok");
  const stored = await tables("limited-doc", room);
  expect(stored.doc.getText("t").toString()).toBe(peers.a.text);
  expect(stored.doc.getText("t").toString()).not.toContain("b");
  const late = await YClient.synced(path);
  expect(late.text).toBe(peers.a.text);
  expect(late.text).toHaveLength(5_002);
  await Promise.all([peers.close(), late.close()]);
});
