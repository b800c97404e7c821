// State sync: merge-patch deltas (property-tested), per-player views, full
// resyncs for connections the room no longer has a baseline for, and size.
import { evictDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyPatch, diff, snapshot, type JsonValue } from "../../src/game/patch.js";
import { Client } from "./helpers/client.js";
import { advance, newRoom, received, stub } from "./helpers/room.js";

/** What a client holds after receiving `v`: merge patches cannot carry a null-valued key. */
function stripNulls(v: JsonValue): JsonValue {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v))
    if (x !== null) Object.defineProperty(out, k, { value: stripNulls(x), enumerable: true, writable: true, configurable: true });
  return out;
}

describe("merge-patch deltas", () => {
  it("applying diff(a, b) to a client's copy of a gives b (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const [x, y] = [snapshot(a), snapshot(b)];
        const patch = diff(x, y);
        const result = patch === undefined ? stripNulls(x) : applyPatch(stripNulls(x), patch);
        expect(result).toEqual(stripNulls(y));
      }),
      { numRuns: 2_000 },
    );
  });

  it("a patch holds only what changed, and nothing when nothing did", () => {
    const a = { players: { p1: { x: 1, y: 2, name: "Ada" }, p2: { x: 5, y: 5, name: "Bo" } }, round: 3, log: [1, 2] };
    const b = { players: { p1: { x: 2, y: 2, name: "Ada" }, p3: { x: 0, y: 0, name: "Cy" } }, round: 3, log: [1, 2, 3] };
    expect(diff(a, b)).toEqual({ players: { p1: { x: 2 }, p2: null, p3: { x: 0, y: 0, name: "Cy" } }, log: [1, 2, 3] });
    expect(diff(a, snapshot(a))).toBeUndefined();
  });

  it("applying shares unchanged parts and never mutates the old state", () => {
    const old = Object.freeze({ a: Object.freeze({ x: 1 }), b: Object.freeze({ y: 1 }) });
    const next = applyPatch<typeof old>(old, { b: { y: 2 } });
    expect(next).toEqual({ a: { x: 1 }, b: { y: 2 } });
    expect(next.a).toBe(old.a);
    expect(old.b.y).toBe(1);
  });

  it('a "__proto__" key is data, not a prototype change', () => {
    const patch = JSON.parse('{"__proto__":{"polluted":true}}') as JsonValue;
    const next = applyPatch<Record<string, unknown>>({}, patch);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    expect(Object.keys(next)).toEqual(["__proto__"]);
    expect(diff({}, next as JsonValue)).toEqual(patch);
  });

  it("is compact: one moving player among eight costs a few percent of the full state", () => {
    const state = {
      players: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`p${i}abcdef`, { x: 100 + i, y: 200, vx: 0, vy: 0, score: i, name: `Player ${i}` }])),
      coins: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`c${i}`, { x: i * 37, y: i * 11 }])),
    };
    const moved = snapshot(state) as typeof state;
    moved.players.p3abcdef!.x += 4.25;
    moved.players.p3abcdef!.y -= 1.5;
    const full = JSON.stringify(state).length;
    const patch = JSON.stringify(diff(snapshot(state), moved)).length;
    expect(patch).toBeLessThan(full * 0.05);
  });
});

describe("per-player views", () => {
  it("each player is sent only their own view; changes outside it send nothing", async () => {
    const room = newRoom();
    const a = await Client.join("fog", room, "a");
    const b = await Client.join("fog", room, "b");
    const s = await Client.join("fog", room, "s", "spectate=1");
    expect(b.state).toEqual({ me: { x: 0, y: 0, score: 0, name: "anon" }, others: { [a.id]: { score: 0 } } });
    expect(s.state).toEqual({ me: null, others: { [a.id]: { score: 0 }, [b.id]: { score: 0 } } });

    b.input({ action: "move", dx: 1, dy: 1 }); // b's position is hidden from a and from spectators
    await received("fog", room, b.id, 1);
    await advance("fog", room, 200);
    await b.until((c) => c.state.me.x === 10);
    await a.until((c) => c.frames.length === 1);
    expect(a.frames).toEqual([[2, 0, { others: { [b.id]: { score: 0 } } }]]); // b's arrival, not b's move
    expect(s.frames).toEqual([]);

    b.input({ action: "score" }); // a score is visible to all
    await received("fog", room, b.id, 2);
    await advance("fog", room, 200);
    await a.until((c) => c.state.others[b.id].score === 1);
    await s.until((c) => c.state.others[b.id].score === 1);
    expect(a.frames.slice(1)).toEqual([[4, 0, { others: { [b.id]: { score: 1 } } }]]);
    expect(JSON.stringify(a.messages)).not.toMatch(/"x":10/);
    for (const c of [a, b, s]) await c.leaveSocket();
  });
});

it("connections the room has no baseline for (after an eviction) get a full state, then patches", async () => {
  const room = newRoom();
  const watcher = await Client.join("arena", room, "w", "spectate=1");
  const a = await Client.join("arena", room, "a");
  await a.leaveSocket(); // the loop stops; the spectator stays
  await watcher.next("disconnected");
  await evictDurableObject(stub("arena", room));

  const back = await Client.join("arena", room, "a"); // wakes the room and restarts the loop
  back.input({ action: "move", dx: 1, dy: 0 }, 1);
  await received("arena", room, a.id, 1);
  await advance("arena", room, 400);
  const full = await watcher.next("state");
  expect(full).toMatchObject({ type: "state", tick: 2, ack: 0 });
  expect(full.state.players[a.id].x).toBe(10);
  back.input({ action: "move", dx: 1, dy: 0 }, 2);
  await received("arena", room, a.id, 2);
  await advance("arena", room, 200);
  await watcher.until((c) => c.tick === 6);
  expect(watcher.frames.at(-1)).toEqual([6, 0, { players: { [a.id]: { x: 20 } } }]);
  expect(watcher.state).toEqual((await advance("arena", room, 0)).state);
  await back.leaveSocket();
  await watcher.leaveSocket();
});
