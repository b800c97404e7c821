// Flusher never loses a flush: its timer is cleared only once a flush succeeded.
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/testing/index.js";
import { runAlarmLater } from "../support/alarm.js";
import { waitFor } from "../support/wait-for.js";

const HOUR = 3_600_000;
const sinkLog = async (room: string) => (await SELF.fetch(`http://x/parties/sink/${room}`)).json<string[]>();

// Both ways of keeping a pending flush: a timer row, or the room's own storage and a wake-up.
describe.each([
  { party: "fragile-flush", binding: "FRAGILE_FLUSH" as const, pendingIn: "timer" },
  { party: "fragile-flush-stored", binding: "FRAGILE_FLUSH_STORED" as const, pendingIn: "storage" },
])("pendingIn: $pendingIn", ({ party, binding }) => {
  const stub = (room: string) => env[binding].get(env[binding].idFromName(room));
  const info = async (room: string) => (await SELF.fetch(`http://x/parties/${party}/${room}`)).json<{ dirty: boolean; attempts: number }>();
  const dirty = async (room: string) => (await info(room)).dirty;

  it("a last-close flush interrupted by a crash is retried", async () => {
    const room = "crash-" + Math.random();
    const ws = await connect(SELF, `/parties/${party}/${room}`);
    ws.send("inc");
    expect(await ws.next()).toBe("1");
    ws.send("hang-next-flush");
    expect(await ws.next()).toBe("ok");
    const watcher = await connect(SELF, `/parties/${party}/${room}`);
    await ws.close(); // not the last one yet
    watcher.ws.close(1000); // the last one leaves: the flush starts and hangs (so does the close handshake)

    // The instance crashes mid-flush.
    await waitFor(async () => (await info(room)).attempts === 1, "the first flush attempt");
    await runInDurableObject(stub(room), (_, ctx) => ctx.abort("crash mid-flush")).catch(() => {});

    expect(await runAlarmLater(stub(room), HOUR)).toBe(true);
    expect(await sinkLog(room)).toEqual(["1"]);
    expect(await dirty(room)).toBe(false);
    expect(await runDurableObjectAlarm(stub(room))).toBe(false);
  });

  it("a flush that keeps throwing is retried until it succeeds, more often than timers are", async () => {
    const room = "throw-" + Math.random();
    const ws = await connect(SELF, `/parties/${party}/${room}`);
    ws.send("inc");
    expect(await ws.next()).toBe("1");
    ws.send("fail-flushes:9"); // a timer would give up after 7 failures
    expect(await ws.next()).toBe("ok");
    for (let attempt = 1; attempt <= 9; attempt++) {
      expect(await runAlarmLater(stub(room), attempt * HOUR)).toBe(true);
      expect(await info(room)).toEqual({ dirty: true, attempts: attempt });
    }
    expect(await sinkLog(room)).toEqual([]);
    expect(await runAlarmLater(stub(room), 10 * HOUR)).toBe(true);
    expect(await sinkLog(room)).toEqual(["1"]);
    expect(await dirty(room)).toBe(false);
    expect(await runDurableObjectAlarm(stub(room))).toBe(false);
    await ws.close();
  });
});
