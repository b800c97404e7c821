// Hostile clients against Yjs rooms under a real `wrangler dev`, next to real
// providers (y-websocket's WebsocketProvider over `ws`, which echoes every
// awareness change it receives back to the room): an awareness flood, a
// document that would outgrow maxDocumentBytes. The offender is closed with a
// policy code; the providers keep editing and keep their presence.
import path from "node:path";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import * as syncProtocol from "y-protocols/sync";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer | undefined;
const providers: WebsocketProvider[] = [];
beforeAll(async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/yjs/fixtures") });
});
afterAll(async () => {
  for (const p of providers) p.destroy();
  await server?.stop();
});

const waitFor = async (cond: () => boolean, what: string, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function provider(party: string, room: string, name: string): WebsocketProvider {
  const p = new WebsocketProvider(`ws://127.0.0.1:${server!.port}/parties/${party}`, room, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
  });
  p.awareness.setLocalStateField("user", name);
  providers.push(p);
  return p;
}

/** A raw socket; resolves with how the room closed it. */
async function raw(party: string, room: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server!.port}/parties/${party}/${room}`);
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on("close", (code, reason) => r({ code, reason: String(reason) })));
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  return { ws, closed };
}

function awarenessFrame(ids: number, firstId: number): Uint8Array {
  const u = encoding.createEncoder();
  encoding.writeVarUint(u, ids);
  for (let i = 0; i < ids; i++) {
    encoding.writeVarUint(u, firstId + i);
    encoding.writeVarUint(u, 1);
    encoding.writeVarString(u, '{"n":1}');
  }
  const f = encoding.createEncoder();
  encoding.writeVarUint(f, 1);
  encoding.writeVarUint8Array(f, encoding.toUint8Array(u));
  return encoding.toUint8Array(f);
}

it("a 7 MB awareness frame with 600,000 client ids closes its sender with 1008; real providers keep editing and their presence", async () => {
  const room = `flood-${Date.now()}`;
  const a = provider("doc", room, "Ada");
  const b = provider("doc", room, "Bo");
  await waitFor(() => a.synced && b.synced, "providers synced");
  await waitFor(() => a.awareness.getStates().size === 2 && b.awareness.getStates().size === 2, "each sees the other");

  const attacker = await raw("doc", room);
  const frame = awarenessFrame(600_000, 5_000_000);
  expect(frame.byteLength).toBeGreaterThan(7_000_000);
  const started = Date.now();
  attacker.ws.send(frame);
  expect(await attacker.closed).toEqual({ code: 1008, reason: "Awareness for more than 4 client ids from one connection." });
  console.log(`[measure] 600,000-id awareness frame (${frame.byteLength} bytes) refused ${Date.now() - started} ms after sending`);

  a.doc.getText("t").insert(0, "still typing");
  await waitFor(() => b.doc.getText("t").toString() === "still typing", "edit after the flood");
  expect(a.awareness.getStates().size).toBe(2);
  expect(b.awareness.getStates().size).toBe(2);
  expect([a.wsconnected, b.wsconnected]).toEqual([true, true]);
});

it("an update that would grow the document past maxDocumentBytes closes its sender with 1009; the document stays as it was", async () => {
  const room = `big-${Date.now()}`;
  const a = provider("limited-doc", room, "Ada");
  await waitFor(() => a.synced, "synced");
  a.doc.getText("t").insert(0, "x".repeat(4_000));

  const attacker = await raw("limited-doc", room);
  const d = new Y.Doc();
  d.getText("t").insert(0, "y".repeat(6_000)); // 10 KB in all: over the fixture's 8 KiB
  const f = encoding.createEncoder();
  encoding.writeVarUint(f, 0);
  syncProtocol.writeUpdate(f, Y.encodeStateAsUpdate(d));
  attacker.ws.send(encoding.toUint8Array(f));
  expect(await attacker.closed).toEqual({
    code: 1009,
    reason: "This update would grow the document past its limit of 8192 bytes (maxDocumentBytes); it was not applied.",
  });
  const b = provider("limited-doc", room, "Bo");
  await waitFor(() => b.synced && b.doc.getText("t").length === 4_000, "a newcomer loads the document as it was");
  expect(b.doc.getText("t").toString()).not.toContain("y");
  expect(a.wsconnected).toBe(true);
});
