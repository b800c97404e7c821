/**
 * `rooms`: the test kit's entry point — rooms by party and id, fake time
 * that drives every timer, and a reset between tests.
 * @module
 */
import { SELF, reset as resetStorage } from "cloudflare:test";
import { installMonitor, type Monitor } from "./monitor.js";
import { TestRoom } from "./room.js";
import type { TestSocket } from "./socket.js";
import { toMs, type Duration } from "./duration.js";
import { advanceBy, type AdvanceResult } from "./time.js";

/**
 * Rooms under test. Use the `rooms` instance.
 *
 * @example
 * import { rooms } from "roomkit/testing";
 * beforeEach(() => rooms.useFakeTime());
 * afterEach(() => rooms.reset());
 *
 * it("ticks every 30 s", async () => {
 *   const room = rooms.get("main", "r1");
 *   const ws = await room.connect();
 *   await rooms.advance("10m");
 *   expect(ws.pending).toHaveLength(20);
 * });
 */
export class TestRooms {
  readonly #monitor: Monitor = installMonitor();
  readonly #opened = new Set<TestSocket>();

  /** Room `id` of `party` (default: a new random id, so tests never share a room). */
  get(party = "main", id: string = `test-${crypto.randomUUID()}`): TestRoom {
    // The stub is looked up on first use: the Worker registers custom bindings when it first loads.
    return new TestRoom(party, id, this.#monitor, this.#opened);
  }

  /**
   * Turns fake time on: from now on roomkit's timers, game loops and
   * `Date.now()` (rooms' and the test's) read a clock that only moves with
   * {@link advance}. `start` defaults to the real time now.
   */
  useFakeTime(start: number | Date = Date.now()): void {
    this.#monitor.useFakeTime(start instanceof Date ? start.getTime() : start);
  }

  /** Back to real time (done by {@link reset} too). */
  useRealTime(): void {
    this.#monitor.useRealTime();
  }

  /** The time roomkit's timers read (fake or real), epoch ms. */
  now(): number {
    return this.#monitor.now();
  }

  /**
   * Moves fake time forward by `duration` (`"30s"`, `"10m"`, `90_000`) and
   * runs, in time order, every timer, repeating timer, Flusher, `onAlarm`,
   * Yjs compaction/save and game-loop tick that falls due — each inside its
   * own room — without waiting in real time.
   */
  async advance(duration: Duration): Promise<AdvanceResult> {
    return advanceBy(this.#monitor, toMs(duration));
  }

  /** An HTTP request through the Worker (for routes outside rooms, or a room by path). */
  fetch(path: string, init?: RequestInit): Promise<Response> {
    return SELF.fetch(new URL(path, "http://localhost").toString(), init);
  }

  /**
   * Between tests: closes every socket the kit opened, returns to real time,
   * forgets start counts and alarms, and deletes all storage
   * (`cloudflare:test`'s `reset()`), pending alarms included.
   */
  async reset(): Promise<void> {
    await Promise.all([...this.#opened].map((s) => s.close()));
    this.#opened.clear();
    this.#monitor.clear();
    await resetStorage();
  }
}

/** The test kit's rooms (one per test isolate). */
export const rooms = new TestRooms();
