// A timer that falls due while the dev server is down fires as soon as it is
// back, in an object no request has reached: workerd starts such an object
// without its name. The room must still know who it is in its constructor,
// onStart, onAlarm and onTimer (src/identity.ts, ADDRESS_TABLE). A Yjs room's
// compaction and save, which keep no timer row (wake-ups), run the same way.
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import * as Y from "yjs";
import { waitFor } from "../support/wait-for.js";
import { DevServer } from "../support/wrangler-dev.js";

const fixture = path.join(import.meta.dirname, "fixtures");
let server: DevServer | undefined;
afterAll(() => server?.kill());

async function waitForOutput(dev: DevServer, pattern: RegExp, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const match = pattern.exec(dev.output.text);
    if (match) return match[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${pattern} in the dev server's output within ${ms} ms:\n${dev.output.text}`);
}

it("timers due during a restart fire in a room that still knows its party and id", async () => {
  const room = `wake up é-${Date.now()}`;
  const url = (base: string) => `${base}/parties/waker/${encodeURIComponent(room)}`;
  server = await DevServer.start({ cwd: fixture });
  const res = await fetch(url(server.url), { method: "POST" });
  expect(await res.text()).toBe("scheduled");
  const due = Date.now() + 1_500;
  server.kill(); // well before the timers are due: they must fire after the restart, not here
  expect(server.output.text).not.toContain("[waker]");
  await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 200));

  server = await DevServer.start({ cwd: fixture, persistTo: server.persistTo });
  // No request reaches the room until both have fired: the alarm alone wakes it.
  const alarm = await waitForOutput(server, /\[waker\] onAlarm saw .*/, 20_000);
  const timer = await waitForOutput(server, /\[waker\] onTimer tick saw .*/, 20_000);
  expect(alarm).toBe(`[waker] onAlarm saw waker/${room}`);
  expect(timer).toBe(`[waker] onTimer tick saw waker/${room}`);

  const stored = (await (await fetch(url(server.url))).json()) as Record<string, string>;
  expect(stored).toMatchObject({
    startedAs: `waker/${room} | waker/${room}`,
    alarmSaw: `waker/${room}`,
    timerSaw: `waker/${room}`,
  });
  await server.stop();
});

it("a Yjs room's compaction and save due during a restart run when it is back, woken by the alarm alone", async () => {
  const room = `doc é-${Date.now()}`;
  const url = (base: string) => `${base}/parties/waking-doc/${encodeURIComponent(room)}`;
  server = await DevServer.start({ cwd: fixture });
  const doc = new Y.Doc();
  doc.getText("t").insert(0, "kept across the restart");
  const res = await fetch(url(server.url), { method: "POST", body: Y.encodeStateAsUpdate(doc) });
  expect(res.status).toBe(204); // the update is in the room's log
  const due = Date.now() + 1_500;
  server.kill(); // before compaction and save are due: no timer row says they are pending, the log and the save flag do
  expect(server.output.text).not.toContain("[wakingdoc]");
  await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 200));

  server = await DevServer.start({ cwd: fixture, persistTo: server.persistTo });
  // No request reaches the room until its save has run: the alarm alone starts it.
  const saved = await waitForOutput(server, /\[wakingdoc\] saved .*/, 20_000);
  expect(saved).toBe(`[wakingdoc] saved waking-doc/${room}: kept across the restart`);
  const inspect = `${url(server.url)}?inspect`;
  let state: { logRows: number; text: string } | undefined;
  await waitFor(async () => {
    state = (await (await fetch(inspect)).json()) as { logRows: number; text: string };
    return state.logRows === 0;
  }, "the compaction to empty the room's log");
  expect(state).toEqual({ logRows: 0, text: "kept across the restart" }); // compacted too
  await server.stop();
});
