// Clients dropped at random moments — while broadcasts stream in, and in the
// middle of their own catch-up — and a room evicted (hibernation) at random
// moments: every client ends with exactly the sequence the room broadcast,
// no gap, no duplicate. Seeded, so a failure replays.
import { rooms, type TestSocket } from "roomkit/testing";
import { afterEach, expect, it } from "vitest";
import { Reader } from "./reader";

afterEach(() => rooms.reset());

function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Collects what a plain client receives: every broadcast, in the room's order. */
function collect(s: TestSocket): string[] {
  const seen: string[] = [];
  s.ws.addEventListener("message", (e) => {
    const m = e.data as string;
    if (!m.startsWith("welcome:")) seen.push(m);
  });
  return seen;
}

it.each([1, 2, 3])(
  "seed %i: random drops during broadcasts and catch-ups, random evictions",
  async (seed) => {
    const random = prng(seed);
    const room = rooms.get("big");
    const s = await room.connect({ id: "sender" });
    const expected = collect(s);
    const readers = Array.from({ length: 6 }, (_, i) => new Reader(room, `r${i}`, { announce: "1" }, "-1"));
    const pending: Promise<unknown>[] = [];
    // One connection at a time per client, as partysocket does: a client's actions run one after the other.
    const online = readers.map(() => false);
    const chains: Promise<unknown>[] = readers.map(() => Promise.resolve());
    const act = (i: number, action: () => Promise<unknown>) => {
      chains[i] = chains[i]!.then(action);
      pending.push(chains[i]!);
    };

    for (let round = 0; round < 25; round++) {
      // A stream of broadcasts: a burst (one synchronous handler) and single messages whose handlers await storage.
      s.send(`burst:${1 + Math.floor(random() * 15)}:b${round}-`);
      for (let i = 0, n = Math.floor(random() * 4); i < n; i++) s.send(`say:s${round}-${i}`);
      readers.forEach((reader, i) => {
        const roll = random();
        if (online[i] && roll < 0.3) {
          online[i] = false;
          act(i, () => reader.disconnect());
        } else if (!online[i] && roll < 0.5) {
          // Connects while the broadcasts above are still being handled (its onConnect broadcasts "joined" too).
          online[i] = true;
          act(i, () => reader.connect());
        } else if (!online[i] && roll < 0.6) {
          act(i, () => reader.connectAndDrop());
        }
      });
      if (random() < 0.2) {
        await Promise.all(pending.splice(0));
        await room.evict();
      }
    }
    await Promise.all(pending.splice(0));
    s.send("say:final");
    await expect.poll(() => expected.at(-1), { timeout: 10_000 }).toBe("final");
    for (const [i, reader] of readers.entries()) if (!online[i]) await reader.connect();
    for (const reader of readers) {
      await reader.waitForCount(expected.length);
      expect(reader.durable, reader.id).toEqual(expected);
      expect(reader.resets).toBe(0);
    }
    expect(room.starts).toBeGreaterThanOrEqual(1);
  },
  60_000,
);
