// Adaptive group commit (the default, `batchDelay: "auto"`): an update that
// arrives while nothing is being committed is written and broadcast at once;
// updates that arrive while a commit is in flight are written together, as
// one row, once it is durable. Nothing is revealed before it is written.
import { runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { resolveYRoomOptions } from "../../src/yjs/options.js";
import { stubOf, tables } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

it("a lone update reaches the others at once, ahead of the presence its author sent after it (a window would hold it back)", async () => {
  const room = freshRoom("lone");
  const path = `/parties/doc/${room}`;
  const a = await YClient.synced(path);
  const b = await YClient.synced(path);
  // What b's document holds whenever a's presence reaches it: the room relays presence at once,
  // so an update held in a window (even 10 ms) would arrive after the presence sent behind it.
  const textAtPresence: string[] = [];
  b.awareness.on("change", () => textAtPresence.push(b.text));
  const t = a.doc.getText("t");
  for (let i = 0; i < 5; i++) {
    t.insert(i, String(i));
    a.awareness.setLocalState({ typed: i });
    await waitFor(() => textAtPresence.length === i + 1, `b got a's presence ${i}`);
  }
  expect(textAtPresence).toEqual(["0", "01", "012", "0123", "01234"]);
  const disk = await tables("doc", room);
  expect(disk.logSeqs).toBe(5); // each written on its own, before it was shown
  expect(disk.doc.getText("t").toString()).toBe("01234");
  await Promise.all([a.close(), b.close()]);
});

it("a burst arriving while a commit is in flight is written as one row; everyone converges; an abort right after loses nothing", async () => {
  const room = freshRoom("burst-auto");
  const path = `/parties/hook-doc/${room}`;
  const a = await YClient.synced(path);
  const b = await YClient.synced(path);
  const b0 = b.updatesReceived;
  // 50 updates in one turn of the room: the first is written (and sent) at once, its commit is then
  // in flight, and the 49 behind it gather into one row written once that commit is durable.
  const burst = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW";
  a.send(`server-edits:${burst}`);
  const expected = [...burst].reverse().join("");
  await waitFor(() => a.text === expected && b.text === expected, "both clients have the burst");
  expect(b.updatesReceived - b0).toBe(2); // one frame per row
  const disk = await tables("hook-doc", room);
  expect(disk.logSeqs).toBe(2);
  expect(disk.doc.getText("t").toString()).toBe(expected);

  // b has seen every update: a crash now must not lose any of them.
  await runInDurableObject(stubOf("hook-doc", room), (_instance, state) => state.abort("test: crash")).catch(() => {
    // abort() rejects the call that made it: that is the crash.
  });
  const late = await YClient.synced(path);
  expect(late.text).toBe(expected);
  expect((await tables("hook-doc", room)).doc.getText("t").toString()).toBe(expected);
  await Promise.all([a.close(), b.close(), late.close()]);
});

it('batchDelay is "auto" unless given; a fixed window is a number of ms; anything else is refused naming the option', () => {
  expect(resolveYRoomOptions({}).batchDelay).toBe("auto");
  expect(resolveYRoomOptions({ batchDelay: 20 }).batchDelay).toBe(20);
  expect(resolveYRoomOptions({ batchDelay: 0 }).batchDelay).toBe(0);
  const refused = 'YRoom option `batchDelay` must be "auto", 0 or a positive number of milliseconds, got';
  expect(() => resolveYRoomOptions({ batchDelay: "fast" as never })).toThrow(`${refused} "fast".`);
  expect(() => resolveYRoomOptions({ batchDelay: -1 })).toThrow(`${refused} -1.`);
  expect(() => resolveYRoomOptions({ batchDelay: Number.NaN })).toThrow(`${refused} NaN.`);
});
