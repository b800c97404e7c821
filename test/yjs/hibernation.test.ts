// Hibernation: the room instance is torn down (evictDurableObject) while its
// sockets stay open. Nothing per-connection survives in memory; the document
// comes back from storage and presence bookkeeping from connection state.
import { SELF, env, evictDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import * as Y from "yjs";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

const stub = (room: string) => env.DOC.get(env.DOC.idFromName(room));
const path = (room: string) => `/parties/doc/${room}`;

it("connected clients keep editing across evictions and converge", async () => {
  const room = freshRoom("evict-edit");
  const a = await YClient.synced(path(room));
  const b = await YClient.synced(path(room));
  const expected: string[] = [];
  for (let round = 0; round < 4; round++) {
    a.doc.getText("t").insert(a.text.length, `a${round};`);
    b.doc.getText("t").insert(0, `b${round};`);
    expected.push(`a${round};`, `b${round};`);
    await waitFor(() => a.text === b.text && expected.every((s) => a.text.includes(s)), `round ${round} converged`);
    // Tear the instance down; sockets hibernate and stay open.
    await evictDurableObject(stub(room));
  }
  // Concurrent edits right after a wake: the first message restarts the room (onStart loads the document).
  a.doc.getText("t").insert(0, "X");
  b.doc.getText("t").insert(b.text.length, "Y");
  await waitFor(() => a.text === b.text && a.text.includes("X") && a.text.includes("Y"), "post-wake edits converged");
  const fresh = await YClient.synced(path(room));
  await waitFor(() => fresh.text === a.text, "a fresh client gets the converged document");
  await Promise.all([a.close(), b.close(), fresh.close()]);
});

it("presence survives a wake, and a client that left while the room slept is removed", async () => {
  const room = freshRoom("evict-aware");
  const a = await YClient.synced(path(room));
  const b = await YClient.synced(path(room));
  a.awareness.setLocalState({ user: { name: "Ada" } });
  b.awareness.setLocalState({ user: { name: "Bob" } });
  await waitFor(() => a.awareness.getStates().has(b.doc.clientID) && b.awareness.getStates().has(a.doc.clientID), "both present");

  await evictDurableObject(stub(room));
  // A newcomer after the wake sees both, from the connections' stored state (no client was asked).
  const c = await YClient.synced(path(room));
  await waitFor(() => c.awareness.getStates().size === 2, "newcomer sees Ada and Bob");
  expect([...c.awareness.getStates().values()].map((s: any) => s.user.name).sort()).toEqual(["Ada", "Bob"]);

  await evictDurableObject(stub(room));
  // Bob's socket closes while the room is asleep: the close wakes it, and it removes Bob.
  await b.close();
  await waitFor(() => !a.awareness.getStates().has(b.doc.clientID), "Ada no longer sees Bob");
  await waitFor(() => !c.awareness.getStates().has(b.doc.clientID), "the newcomer no longer sees Bob");
  expect((a.awareness.getStates().get(a.doc.clientID) as any)?.user?.name).toBe("Ada");

  // The removal holds across another wake: a later newcomer sees Ada only.
  await evictDurableObject(stub(room));
  const d = await YClient.synced(path(room));
  await waitFor(() => d.awareness.getStates().size === 1, "later newcomer sees one client");
  expect([...d.awareness.getStates().values()].map((s: any) => s.user.name)).toEqual(["Ada"]);
  await Promise.all([a.close(), c.close(), d.close()]);
});

it("the document is loaded from storage on wake, not kept from the previous instance", async () => {
  const room = freshRoom("evict-load");
  const a = await YClient.synced(path(room));
  a.doc.getText("t").insert(0, "x".repeat(10_000));
  a.doc.getMap("m").set("answer", 42);
  await waitFor(async () => (await stored(room)).getMap("m").get("answer") === 42, "both edits stored");
  await a.close();
  await evictDurableObject(stub(room));
  const b = await YClient.synced(path(room));
  await waitFor(() => b.text.length === 10_000, "b has the text");
  expect(b.doc.getMap("m").get("answer")).toBe(42);
  await b.close();
});

async function stored(room: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await (await SELF.fetch(`http://x${path(room)}`)).arrayBuffer()));
  return doc;
}
