// Unmodified providers against a YRoom: y-websocket's WebsocketProvider and
// y-partykit's YPartyKitProvider sync the same document and see each other's
// presence, in both socket modes.
import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import YPartyKitProvider from "y-partykit/provider";
import YProvider from "y-partyserver/provider";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { webSocketThrough } from "../../src/testing/index.js";
import { freshRoom, waitFor } from "./helpers/wait.js";

const WS = webSocketThrough(SELF);
const open: { destroy(): void }[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.destroy();
});

function yWebsocket(party: string, room: string, doc = new Y.Doc()) {
  // y-websocket types its polyfill as the DOM WebSocket (whose constructor also takes a URL).
  const p = new WebsocketProvider(`ws://localhost/parties/${party}`, room, doc, { WebSocketPolyfill: WS as never, disableBc: true });
  open.push(p);
  return p;
}
function yPartyKit(party: string, room: string, doc = new Y.Doc()) {
  const p = new YPartyKitProvider("localhost:8787", room, doc, { party, WebSocketPolyfill: WS as never, disableBc: true });
  open.push(p);
  return p;
}
function yPartyServer(party: string, room: string, doc = new Y.Doc()) {
  const p = new YProvider("localhost:8787", room, doc, { party, WebSocketPolyfill: WS as never, disableBc: true });
  open.push(p);
  return p;
}
const synced = (p: { synced: boolean }) => waitFor(() => p.synced, "provider synced");

describe.each(["doc", "mem-doc"])("%s", (party) => {
  it("WebsocketProvider, YPartyKitProvider and y-partyserver's YProvider converge on the same text", async () => {
    const room = freshRoom("providers");
    const a = yWebsocket(party, room);
    const b = yPartyKit(party, room);
    const c = yPartyServer(party, room);
    await Promise.all([synced(a), synced(b), synced(c)]);
    a.doc.getText("t").insert(0, "hello from y-websocket. ");
    b.doc.getText("t").insert(0, "hello from y-partykit. ");
    c.doc.getText("t").insert(0, "hello from y-partyserver. ");
    const texts = () => [a, b, c].map((p) => p.doc.getText("t").toString());
    await waitFor(() => new Set(texts()).size === 1 && texts()[0]!.length === 73, "all edits on all sides");
    for (const who of ["y-websocket", "y-partykit", "y-partyserver"]) expect(texts()[0]).toContain(`hello from ${who}.`);
  });

  it("a late joiner gets the whole document from the room, not from a peer", async () => {
    const room = freshRoom("late");
    const a = yPartyKit(party, room);
    await synced(a);
    a.doc.getMap("m").set("k", { nested: [1, 2, 3] });
    a.doc.getText("t").insert(0, "persisted");
    await waitFor(async () => (await fetch(room, party)).byteLength > 20, "room has the edits");
    a.destroy();
    const b = yWebsocket(party, room);
    await synced(b);
    await waitFor(() => b.doc.getText("t").toString() === "persisted", "late joiner has the text");
    expect(b.doc.getMap("m").get("k")).toEqual({ nested: [1, 2, 3] });
  });

  it("each provider sees the other's awareness state, and its removal when it leaves", async () => {
    const room = freshRoom("aware");
    const a = yWebsocket(party, room);
    a.awareness.setLocalStateField("user", { name: "Ada", color: "#f00" });
    const b = yPartyKit(party, room);
    b.awareness.setLocalStateField("user", { name: "Bob", color: "#00f" });
    await Promise.all([synced(a), synced(b)]);
    await waitFor(() => (a.awareness.getStates().get(b.doc.clientID) as any)?.user?.name === "Bob", "a sees Bob");
    await waitFor(() => (b.awareness.getStates().get(a.doc.clientID) as any)?.user?.name === "Ada", "b sees Ada");
    b.awareness.setLocalStateField("cursor", { anchor: 3 });
    await waitFor(() => (a.awareness.getStates().get(b.doc.clientID) as any)?.cursor?.anchor === 3, "a sees Bob's cursor move");
    // A hard disconnect (no goodbye from the client): the room announces the removal.
    (b.ws as WebSocket | null)?.close();
    b.shouldConnect = false;
    await waitFor(() => !a.awareness.getStates().has(b.doc.clientID), "Bob's presence removed");
  });
});

async function fetch(room: string, party: string): Promise<ArrayBuffer> {
  const res = await SELF.fetch(`http://localhost/parties/${party}/${room}`);
  return res.arrayBuffer();
}

it("y-partyserver's provider exchanges custom messages with onCustomMessage / sendCustomMessage", async () => {
  const room = freshRoom("custom-provider");
  const c = yPartyServer("hook-doc", room);
  await synced(c);
  const got: string[] = [];
  c.on("custom-message", (m: string) => got.push(m));
  c.sendMessage("ping");
  await waitFor(() => got.includes("pong"), "pong");
});
