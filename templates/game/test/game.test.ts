// The rules on their own: pure functions, so exact and instant.
import { seededRandom } from "roomkit/game";
import { expect, it } from "vitest";
import { addPlayer, initialState, movePlayer, ORBS, step, WORLD } from "../src/game";

it("moves at SPEED, no faster diagonally, and never through the walls", () => {
  const p = { x: 100, y: 100, score: 0, name: "a", color: "#fff" };
  expect(movePlayer(p, { dx: 1, dy: 0 }, 1 / 30)).toMatchObject({ x: 108, y: 100 });
  const diag = movePlayer(p, { dx: 1, dy: 1 }, 1 / 30);
  expect(Math.hypot(diag.x - 100, diag.y - 100)).toBeCloseTo(8, 1);
  expect(movePlayer({ ...p, x: WORLD.width - 20 }, { dx: 1, dy: 0 }, 1)).toMatchObject({ x: WORLD.width - 18 });
});

it("collects an orb it touches, scores it, and keeps the field topped up, deterministically", () => {
  const run = () => {
    const s = initialState();
    addPlayer(s, "p1", "Ada");
    step(s, [], 1 / 30, { random: seededRandom(7, 1) });
    const [orbId, orb] = Object.entries(s.orbs)[0]!;
    s.players.p1!.x = orb.x;
    s.players.p1!.y = orb.y;
    step(s, [], 1 / 30, { random: seededRandom(7, 2) });
    return { s, orbId };
  };
  const { s, orbId } = run();
  expect(s.players.p1!.score).toBeGreaterThanOrEqual(1);
  expect(s.orbs[orbId]).toBeUndefined();
  expect(Object.keys(s.orbs)).toHaveLength(ORBS);
  expect(JSON.stringify(run().s)).toBe(JSON.stringify(s));
});

it("an orb pickup changes the score, never the position: two inputs in one tick land where the prediction does", () => {
  const s = initialState();
  addPlayer(s, "p1", "Ada");
  step(s, [], 1 / 30, { random: seededRandom(7, 1) });
  const orb = Object.values(s.orbs)[0]!;
  const x = Math.min(Math.max(orb.x - 16, 18), WORLD.width - 34);
  s.players.p1 = { ...s.players.p1!, x, y: orb.y };
  const input = { dx: 1, dy: 0 };
  const predicted = movePlayer(movePlayer(s.players.p1, input, 1 / 30), input, 1 / 30);
  step(
    s,
    [
      { playerId: "p1", seq: 1, input },
      { playerId: "p1", seq: 2, input },
    ],
    1 / 30,
    { random: seededRandom(7, 2) },
  );
  expect(s.players.p1!.score).toBeGreaterThanOrEqual(1);
  expect({ x: s.players.p1!.x, y: s.players.p1!.y }).toEqual({ x: predicted.x, y: predicted.y });
});
