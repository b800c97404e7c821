// The loop driver and the simulation, without a room: a ManualClock decides
// what time it is, so every count below is exact.
import { describe, expect, it } from "vitest";
import { ManualClock, seededRandom, type PlayerInput } from "../../src/game/index.js";
import { FixedStepLoop } from "../../src/game/loop.js";
import * as dots from "./fixtures/dots.js";

function counting(stepMs: number, maxStepsPerFrame?: number) {
  const frames: number[] = [];
  let steps = 0;
  const loop = new FixedStepLoop({ stepMs, maxStepsPerFrame, step: () => steps++, afterFrame: (n) => frames.push(n) });
  return { loop, frames, steps: () => steps };
}

describe("FixedStepLoop", () => {
  it("runs exactly tickRate steps per simulated second, one per frame when punctual", () => {
    const clock = new ManualClock();
    const { loop, frames, steps } = counting(1000 / 30);
    loop.start(clock);
    clock.advance(1000);
    expect(steps()).toBe(30);
    expect(frames.every((n) => n === 1)).toBe(true);
    clock.advance(10_000);
    expect(steps()).toBe(330); // no drift from summing 1000/30 ms intervals
  });

  it("keeps fractional time for the next frame", () => {
    const { loop, steps } = counting(100);
    loop.reset(0);
    expect(loop.frame(250).steps).toBe(2);
    expect(loop.accumulator).toBe(50);
    expect(loop.frame(300).steps).toBe(1);
    expect(steps()).toBe(3);
  });

  it("catches up after a stall, but at most maxStepsPerFrame steps, dropping the rest (no spiral)", () => {
    const clock = new ManualClock();
    const { loop, frames, steps } = counting(100, 5);
    loop.start(clock);
    clock.advance(300);
    expect(steps()).toBe(3);
    clock.stall(2_000); // the isolate was blocked for 2 s: 20 steps are owed
    expect(frames.at(-1)).toBe(5);
    expect(loop.droppedMs).toBe(1_500);
    expect(steps()).toBe(8);
    // Afterwards the loop is back to one step per frame, not still paying off the backlog.
    frames.length = 0;
    clock.advance(500);
    expect(frames).toEqual([1, 1, 1, 1, 1]);
    expect(steps()).toBe(13);
  });

  it("a short stall is fully caught up", () => {
    const clock = new ManualClock();
    const { loop, steps } = counting(100, 5);
    loop.start(clock);
    clock.stall(350);
    expect(steps()).toBe(3);
    expect(loop.droppedMs).toBe(0);
  });

  it("ignores a clock that goes backwards", () => {
    const { loop, steps } = counting(100);
    loop.reset(1_000);
    expect(loop.frame(500).steps).toBe(0);
    expect(loop.frame(Number.NaN).steps).toBe(0);
    expect(loop.frame(1_100).steps).toBe(1);
    expect(steps()).toBe(1);
  });

  it("stop() unsubscribes from the clock and forgets the banked time", () => {
    const clock = new ManualClock();
    const { loop, steps } = counting(100);
    loop.start(clock);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(150);
    loop.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(loop.running).toBe(false);
    clock.advance(1_000);
    expect(steps()).toBe(1);
    loop.start(clock); // a restart counts from now, not from the old run
    clock.advance(99);
    expect(steps()).toBe(1);
    clock.advance(1);
    expect(steps()).toBe(2);
  });

  it("rejects nonsense options", () => {
    expect(() => new FixedStepLoop({ stepMs: 0, step() {} })).toThrow(/stepMs must be a positive number/);
    expect(() => new FixedStepLoop({ stepMs: 10, maxStepsPerFrame: 0.5, step() {} })).toThrow(/maxStepsPerFrame must be a positive integer/);
  });
});

describe("the simulation is deterministic", () => {
  type Tick = readonly PlayerInput<dots.Input>[];
  const script: Tick[] = Array.from({ length: 120 }, (_, t) => [
    { playerId: "a", seq: t + 1, input: { action: "move", dx: Math.sin(t / 7), dy: 1 } },
    ...(t % 3 === 0 ? [{ playerId: "b", seq: t / 3 + 1, input: { action: "score" } as const }] : []),
  ]);
  function run(seed: number): dots.State {
    const state = dots.initialState();
    dots.join(state, "a", "A");
    dots.join(state, "b", "B");
    script.forEach((inputs, i) => dots.step(state, inputs, 1 / 10, { tick: i + 1, random: seededRandom(seed, i + 1) }));
    return state;
  }

  it("same seed and inputs, same state — to the last bit", () => {
    const a = run(42);
    expect(JSON.stringify(run(42))).toBe(JSON.stringify(a));
    expect(a.players.b!.score).toBe(40);
    expect(Object.keys(a.coins)).toEqual(["c50", "c100"]);
  });

  it("the seed decides the random parts, and only them", () => {
    const a = run(1);
    const b = run(2);
    expect(b.coins).not.toEqual(a.coins);
    expect(b.players).toEqual(a.players);
  });

  it("seededRandom is a function of (seed, stream)", () => {
    const draw = (seed: number, stream: number) => Array.from({ length: 5 }, seededRandom(seed, stream));
    expect(draw(7, 3)).toEqual(draw(7, 3));
    expect(draw(7, 3)).not.toEqual(draw(7, 4));
    expect(draw(7, 3).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
