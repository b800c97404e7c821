// Presence details: a reconnecting client keeps its presence when its old
// socket closes late; removals follow y-protocols' clock rules.
import { SELF } from "cloudflare:test";
import * as encoding from "lib0/encoding";
import { expect, it } from "vitest";
import { connect } from "../../src/testing/index.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

function awarenessFrame(clientID: number, clock: number, state: unknown): Uint8Array {
  const u = encoding.createEncoder();
  encoding.writeVarUint(u, 1);
  encoding.writeVarUint(u, clientID);
  encoding.writeVarUint(u, clock);
  encoding.writeVarString(u, JSON.stringify(state));
  const f = encoding.createEncoder();
  encoding.writeVarUint(f, 1);
  encoding.writeVarUint8Array(f, encoding.toUint8Array(u));
  return encoding.toUint8Array(f);
}

it("a client that reconnected keeps its presence when its old socket closes afterwards", async () => {
  const room = freshRoom("reconnect");
  const path = `/parties/doc/${room}`;
  const watcher = await YClient.synced(path);
  const oldSocket = await connect(SELF, `${path}?_pk=same`);
  oldSocket.send(awarenessFrame(777, 1, { user: "Ada" }));
  await waitFor(() => watcher.awareness.getStates().has(777), "Ada present");
  // The provider reconnects (same client id, newer clock) before the old socket is gone.
  const newSocket = await connect(SELF, `${path}?_pk=same`);
  newSocket.send(awarenessFrame(777, 2, { user: "Ada", cursor: 1 }));
  await waitFor(() => (watcher.awareness.getStates().get(777) as any)?.cursor === 1, "update via the new socket");
  await oldSocket.close();
  const late = await YClient.synced(path); // a round-trip after the close was handled
  await waitFor(() => late.awareness.getStates().has(777), "newcomer sees Ada");
  expect(watcher.awareness.getStates().has(777)).toBe(true);
  await newSocket.close();
  await waitFor(() => !watcher.awareness.getStates().has(777), "removed when the socket in control closes");
  await Promise.all([watcher.close(), late.close()]);
});

it("stale and repeated awareness updates are not relayed; a removal is", async () => {
  const room = freshRoom("clocks");
  const path = `/parties/doc/${room}`;
  const watcher = await YClient.synced(path);
  const s = await connect(SELF, path);
  const before = watcher.awarenessReceived;
  s.send(awarenessFrame(55, 3, { v: "new" }));
  s.send(awarenessFrame(55, 2, { v: "stale" })); // older clock: dropped
  s.send(awarenessFrame(55, 3, { v: "same clock" })); // same clock, not a removal: dropped
  await waitFor(() => watcher.awareness.getStates().has(55), "present");
  s.send(awarenessFrame(55, 3, null)); // removal at the same clock: accepted (y-protocols' rule)
  await waitFor(() => !watcher.awareness.getStates().has(55), "removed");
  // Exactly two frames reached the watcher: the state and its removal; the two dropped updates did not.
  expect(watcher.awarenessReceived).toBe(before + 2);
  await s.close();
  await watcher.close();
});
