// Bad input closes the offending connection alone, with a precise close code
// and reason; the document, storage and every other client are untouched.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import * as encoding from "lib0/encoding";
import { describe, expect, it, vi } from "vitest";
import type * as Y from "yjs";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { halfValidUpdate } from "./helpers/evil.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

const frame = (...parts: (number | Uint8Array)[]) => {
  const enc = encoding.createEncoder();
  for (const p of parts) typeof p === "number" ? encoding.writeVarUint(enc, p) : encoding.writeVarUint8Array(enc, p);
  return encoding.toUint8Array(enc);
};
const awarenessUpdate = (clientID: number, clock: number, state: string) => {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 1);
  encoding.writeVarUint(enc, clientID);
  encoding.writeVarUint(enc, clock);
  encoding.writeVarString(enc, state);
  return encoding.toUint8Array(enc);
};

type Case = { name: string; party?: string; send: (base: Y.Doc) => (string | Uint8Array)[]; code: number; reason: RegExp };
const cases: Case[] = [
  { name: "an empty frame", send: () => [new Uint8Array(0)], code: 1007, reason: /^Empty message\.$/ },
  { name: "a truncated sync frame", send: () => [Uint8Array.of(0, 2, 50, 1, 2)], code: 1007, reason: /Truncated or malformed message \(sync payload\)/ },
  { name: "a frame cut inside its type", send: () => [Uint8Array.of(0x80)], code: 1007, reason: /Truncated or malformed message \(message type\)/ },
  { name: "an unknown message type", send: () => [Uint8Array.of(7, 1, 2)], code: 1003, reason: /^Unknown message type 7\.$/ },
  { name: "an auth message (server-to-client only)", send: () => [Uint8Array.of(2, 0, 0)], code: 1003, reason: /^Unknown message type 2\.$/ },
  { name: "an unknown sync message type", send: () => [frame(0, 9, new Uint8Array(2))], code: 1003, reason: /^Unknown sync message type 9\.$/ },
  { name: "a garbage update", send: () => [frame(0, 2, Uint8Array.of(5, 255, 255, 255, 255, 15, 9))], code: 1007, reason: /^Invalid Yjs update\.$/ },
  { name: "an update that makes Yjs throw halfway", send: (base) => [frame(0, 2, halfValidUpdate(base))], code: 1007, reason: /^Invalid Yjs update\.$/ },
  { name: "the same as sync step 2", send: (base) => [frame(0, 1, halfValidUpdate(base))], code: 1007, reason: /^Invalid Yjs update\.$/ },
  { name: "a garbage state vector", send: () => [frame(0, 0, Uint8Array.of(3, 1))], code: 1007, reason: /Invalid state vector/ },
  { name: "a truncated awareness update", send: () => [frame(1, Uint8Array.of(3, 1, 5))], code: 1007, reason: /malformed awareness update/ },
  {
    name: "an awareness state that is not JSON",
    send: () => [frame(1, awarenessUpdate(77, 1, "{not json"))],
    code: 1007,
    reason: /client 77 is not valid JSON/,
  },
  {
    name: "an oversized frame",
    party: "tiny-doc",
    send: () => [frame(0, 2, new Uint8Array(70_000))],
    code: 1009,
    reason: /^Message of \d+ bytes exceeds the room's limit of 65536 bytes\.$/,
  },
  {
    name: "an oversized chunked message",
    party: "tiny-doc",
    send: () => ['y-pk-batch#{"id":"x","type":"start","size":100000,"count":2}'],
    code: 1009,
    reason: /Chunked message of 100000 bytes exceeds/,
  },
  { name: "a malformed chunk marker", send: () => ["y-pk-batch#{oops"], code: 1007, reason: /Malformed chunked-message marker/ },
  {
    name: "a chunk end without start",
    send: () => ['y-pk-batch#{"id":"x","type":"end","size":1,"count":1}'],
    code: 1007,
    reason: /ended without a start marker/,
  },
  {
    name: "chunks larger than announced",
    send: () => ['y-pk-batch#{"id":"x","type":"start","size":4,"count":1}', new Uint8Array(8)],
    code: 1007,
    reason: /larger than announced/,
  },
];

describe.each(cases)("$name", ({ party = "doc", send, code, reason }) => {
  it(`closes only the sender (${code}); document and other clients untouched`, async () => {
    const room = freshRoom("bad");
    const path = `/parties/${party}/${room}`;
    const good = await YClient.synced(path);
    good.doc.getText("t").insert(0, "precious");
    const watcher = await YClient.synced(path);
    await waitFor(() => watcher.text === "precious", "watcher synced");
    const before = await state(path);

    // The offender announces itself first, so we can check its presence is cleaned up.
    const bad = await connect(SELF, `${path}?_pk=offender`);
    bad.send(frame(1, awarenessUpdate(4242, 1, JSON.stringify({ user: "offender" }))));
    await waitFor(() => watcher.awareness.getStates().has(4242), "offender present");
    for (const m of send(good.doc)) bad.send(m);
    const closed = await bad.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toMatch(reason);

    await waitFor(() => !watcher.awareness.getStates().has(4242), "offender's presence removed");
    expect(good.closeInfo).toBeUndefined();
    expect(watcher.closeInfo).toBeUndefined();
    expect(good.text).toBe("precious");
    expect(watcher.text).toBe("precious");
    expect(await state(path)).toEqual(before);
    // The room still works for everyone else.
    watcher.doc.getText("t").insert(8, "!");
    await waitFor(() => good.text === "precious!", "edits still flow");
    const late = await YClient.synced(path);
    await waitFor(() => late.text === "precious!", "a newcomer gets the intact document");
    await Promise.all([good.close(), watcher.close(), late.close()]);
  });
});

it("random frames never crash the room, never reach others, and close with a precise code or not at all", async () => {
  const room = freshRoom("fuzz");
  const path = `/parties/doc/${room}`;
  const good = await YClient.synced(path);
  good.doc.getText("t").insert(0, "stable");
  good.awareness.setLocalState({ user: "good" }); // so query-awareness always gets an answer
  await waitFor(async () => (await state(path)).byteLength > 10, "stored");
  const before = await state(path);
  // Rooms run in this isolate: any hook failure (a 1011 close) would be logged here.
  const errors = vi.spyOn(console, "error");
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 48 }),
        fc.uint8Array({ minLength: 0, maxLength: 48 }).map((b) => Uint8Array.of(0, 2, b.length, ...b)),
        fc.uint8Array({ minLength: 0, maxLength: 48 }).map((b) => Uint8Array.of(1, b.length, ...b)),
      ),
      async (bytes) => {
        const s: TestSocket = await connect(SELF, path);
        await s.next(); // sync step 1
        await s.next(); // everyone's presence
        s.send(bytes);
        s.send(Uint8Array.of(3)); // query-awareness: answered only if the connection survived
        const outcome = await Promise.race([s.closed, s.next().then(() => "open" as const)]);
        if (outcome !== "open") expect([1003, 1007, 1009]).toContain(outcome.code);
        else await s.close();
        expect(good.closeInfo).toBeUndefined();
      },
    ),
    { numRuns: 60 },
  );
  await new Promise((r) => setTimeout(r, 50)); // let the last frames be handled
  expect(errors.mock.calls.filter((c) => String(c[0]).includes("[roomkit]"))).toEqual([]);
  errors.mockRestore();
  expect(good.text).toBe("stable");
  expect(await state(path)).toEqual(before);
  await good.close();
});

async function state(path: string): Promise<Uint8Array> {
  const res = await SELF.fetch(`http://x${path}`);
  return new Uint8Array(await res.arrayBuffer());
}
