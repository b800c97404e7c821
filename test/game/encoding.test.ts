// How big is the sync traffic? The game template's arena simulated for 20 s
// with 8 players steering at random (deterministically), patched at 20 Hz the
// way a room patches: merge-patch frames against each client's last state.
// The numbers are in docs/game.md; run with MEASURE=1 to print them.
import { describe, expect, it } from "vitest";
import { seededRandom, type PlayerInput } from "../../src/game/index.js";
import { diff, snapshot } from "../../src/game/patch.js";
import { encodePatchFrame } from "../../src/game/protocol.js";
import * as arena from "../../templates/game/src/game.js";

declare const __MEASURE__: boolean;

type Run = { ticks: number; fullBytes: number; frames: number; frameBytes: number; secondsOfPlay: number };

function simulate(players: number, seconds: number, moving: (tick: number, p: number) => boolean): Run {
  const tickRate = 30;
  const patchEvery = 1.5; // 20 Hz patches at 30 Hz ticks: 2 patches every 3 ticks
  const state = arena.initialState();
  const ids = Array.from({ length: players }, (_, i) => `p${i}${"abcdefg".slice(0, 7)}`);
  ids.forEach((id, i) => arena.addPlayer(state, id, `Player ${i + 1}`));
  const steer = seededRandom(99, 0);
  const dirs = ids.map(() => ({ dx: 0, dy: 0 }));
  let baseline = snapshot(state);
  let fullBytes = 0;
  let frames = 0;
  let frameBytes = 0;
  let nextPatch = patchEvery;
  const ticks = seconds * tickRate;
  for (let tick = 1; tick <= ticks; tick++) {
    const inputs: PlayerInput<arena.Input>[] = [];
    ids.forEach((playerId, p) => {
      if (tick % 15 === 1) dirs[p] = { dx: Math.round(steer() * 2 - 1), dy: Math.round(steer() * 2 - 1) };
      if (moving(tick, p) && (dirs[p]!.dx || dirs[p]!.dy)) inputs.push({ playerId, seq: tick, input: dirs[p]! });
    });
    arena.step(state, inputs, 1 / tickRate, { random: seededRandom(7, tick) });
    if (tick >= nextPatch) {
      nextPatch += patchEvery;
      const current = snapshot(state);
      fullBytes += JSON.stringify(current).length;
      const patch = diff(baseline, current);
      baseline = current;
      if (patch === undefined) continue;
      frames++;
      frameBytes += encodePatchFrame(tick, tick, JSON.stringify(patch)).length;
    }
  }
  return { ticks, fullBytes, frames, frameBytes, secondsOfPlay: seconds };
}

describe("sync traffic of the game template", () => {
  it("8 players moving: each patch is a small fraction of the state it replaces", () => {
    const r = simulate(8, 20, () => true);
    const patches = r.secondsOfPlay * 20;
    const fullPerPatch = r.fullBytes / patches;
    const framePerPatch = r.frameBytes / r.frames;
    report("8 players, all moving", r, fullPerPatch, framePerPatch);
    expect(framePerPatch).toBeLessThan(fullPerPatch * 0.4);
  });

  it("2 players, one idle: frames shrink with what changes", () => {
    const r = simulate(2, 20, (_, p) => p === 0);
    const framePerPatch = r.frameBytes / r.frames;
    report("2 players, one moving", r, r.fullBytes / (r.secondsOfPlay * 20), framePerPatch);
    expect(framePerPatch).toBeLessThan(120);
  });

  it("nobody moving: no frames at all once the field is set", () => {
    const r = simulate(8, 5, () => false);
    report("8 players, all idle", r, r.fullBytes / (r.secondsOfPlay * 20), r.frames ? r.frameBytes / r.frames : 0);
    expect(r.frames).toBeLessThanOrEqual(1); // the first patch spawns the orbs
  });
});

function report(label: string, r: Run, fullPerPatch: number, framePerPatch: number): void {
  if (!__MEASURE__) return;
  const perSecond = (r.frameBytes / r.secondsOfPlay).toFixed(0);
  const fullPerSecond = (fullPerPatch * 20).toFixed(0);
  console.log(
    `${label}: full state ${fullPerPatch.toFixed(0)} B; patch frame ${framePerPatch.toFixed(0)} B avg; ${r.frames} frames in ${r.secondsOfPlay} s; ${perSecond} B/s per client (full snapshots at 20 Hz: ${fullPerSecond} B/s)`,
  );
}
