// SIGKILL wrangler + workerd while two Yjs clients (y-websocket's
// WebsocketProvider and y-partykit's YPartyKitProvider, over `ws`) are
// editing; restart on the same on-disk state: a fresh client gets every
// update that either peer had received from the room.
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import WebSocket from "ws";
import YPartyKitProvider from "y-partykit/provider";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

const fixture = path.join(repoRoot, "test/yjs/fixtures");
let server: DevServer | undefined;
const providers: { destroy(): void }[] = [];
afterAll(async () => {
  for (const p of providers) p.destroy();
  await server?.stop("SIGKILL");
});

const waitFor = async (cond: () => boolean, what: string, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

function yWebsocket(port: number, room: string) {
  const p = new WebsocketProvider(`ws://127.0.0.1:${port}/parties/doc`, room, new Y.Doc(), { WebSocketPolyfill: WebSocket as never, disableBc: true });
  providers.push(p);
  return p;
}
function yPartyKit(port: number, room: string) {
  const p = new YPartyKitProvider(`127.0.0.1:${port}`, room, new Y.Doc(), { party: "doc", WebSocketPolyfill: WebSocket as never, disableBc: true });
  providers.push(p);
  return p;
}

/** Counts the updates a provider's document received from the room (not its own). */
function countRemote(doc: Y.Doc, provider: unknown): { n: number } {
  const counter = { n: 0 };
  doc.on("update", (_u: Uint8Array, origin: unknown) => {
    if (origin === provider) counter.n++;
  });
  return counter;
}

it("every update a peer observed survives a SIGKILL mid-editing", async () => {
  server = await DevServer.start({ cwd: fixture });
  const room = `crash-${Date.now()}`;
  const a = yWebsocket(server.port, room);
  const b = yPartyKit(server.port, room);
  const seenByA = countRemote(a.doc, a);
  const seenByB = countRemote(b.doc, b);
  await waitFor(() => a.synced && b.synced, "both providers synced");

  // Both type continuously (inserts only, so state vectors describe everything observed).
  const type = (doc: Y.Doc, who: string) => {
    const t = doc.getText("t");
    t.insert(Math.floor(Math.random() * (t.length + 1)), who);
  };
  const typing = setInterval(() => {
    type(a.doc, "a");
    type(b.doc, "b");
  }, 2);
  await waitFor(() => seenByA.n > 150 && seenByB.n > 150, "a good stream of edits in both directions");

  server.kill(); // the whole process group: wrangler and workerd, mid-stream
  clearInterval(typing);
  await new Promise((r) => server!.process.once("exit", r));
  // Let every frame already on the wire arrive: it was sent, so a peer has observed it.
  await waitFor(() => !a.wsconnected && !b.wsconnected, "both saw the connection drop");
  a.disconnect();
  b.disconnect();
  const observed = [
    { who: "y-websocket", sv: Y.decodeStateVector(Y.encodeStateVector(a.doc)), remote: b.doc.clientID, seen: seenByA.n },
    { who: "y-partykit", sv: Y.decodeStateVector(Y.encodeStateVector(b.doc)), remote: a.doc.clientID, seen: seenByB.n },
  ];
  for (const p of [a, b]) p.destroy();

  server = await DevServer.start({ cwd: fixture, persistTo: server.persistTo });
  const fresh = yWebsocket(server.port, room);
  await waitFor(() => fresh.synced, "fresh client synced");
  const durable = Y.decodeStateVector(Y.encodeStateVector(fresh.doc));
  for (const o of observed) {
    const need = o.sv.get(o.remote) ?? 0;
    const have = durable.get(o.remote) ?? 0;
    console.log(`${o.who} had received ${o.seen} updates, up to clock ${need} of its peer; the restarted room has ${have}`);
    expect(need).toBeGreaterThan(100);
    expect(have).toBeGreaterThanOrEqual(need);
  }
  // Nothing is invented or duplicated: every character is one of the peers' inserts.
  expect(fresh.doc.getText("t").toString()).toMatch(/^[ab]+$/);
  fresh.destroy();
});
