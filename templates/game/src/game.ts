// The rules of the game, as pure functions. The room (src/arena.ts) runs them
// on the server; the browser (client/) runs `movePlayer` too, to predict your
// own moves before the server confirms them. Same code, same numbers.
import type { PlayerInput, StepContext } from "roomkit/game";

export const WORLD = { width: 960, height: 600 } as const;
/** Pixels per second. */
export const SPEED = 240;
export const PLAYER_RADIUS = 18;
export const ORB_RADIUS = 9;
/** Orbs on the field at any time. */
export const ORBS = 14;
export const COLORS = ["#f97316", "#22c55e", "#3b82f6", "#e11d48", "#a855f7", "#84cc16", "#06b6d4", "#f43f5e"] as const;

export type Player = { x: number; y: number; score: number; name: string; color: string };
export type Orb = { x: number; y: number };
export type State = {
  players: Record<string, Player>;
  orbs: Record<string, Orb>;
  /** Id of the next orb to spawn. */
  nextOrb: number;
};
/** One frame of a player's stick: each axis from -1 to 1. */
export type Input = { dx: number; dy: number };

export function initialState(): State {
  return { players: {}, orbs: {}, nextOrb: 0 };
}

/** Where a new player appears and their colour: derived from their id, so no randomness is needed outside a tick. */
export function addPlayer(state: State, id: string, name: string): void {
  const h = hash(id);
  state.players[id] = {
    x: round(PLAYER_RADIUS + ((h % 1000) / 1000) * (WORLD.width - 2 * PLAYER_RADIUS)),
    y: round(PLAYER_RADIUS + (((h >>> 10) % 1000) / 1000) * (WORLD.height - 2 * PLAYER_RADIUS)),
    score: 0,
    name,
    color: COLORS[h % COLORS.length]!,
  };
}

export function removePlayer(state: State, id: string): void {
  delete state.players[id];
}

/** One input's worth of movement: `dt` seconds at SPEED, diagonals no faster, inside the walls. */
export function movePlayer(p: Player, input: Input, dt: number): Player {
  const len = Math.hypot(input.dx, input.dy);
  const scale = len > 1 ? 1 / len : 1;
  return {
    ...p,
    x: round(clamp(p.x + input.dx * scale * SPEED * dt, PLAYER_RADIUS, WORLD.width - PLAYER_RADIUS)),
    y: round(clamp(p.y + input.dy * scale * SPEED * dt, PLAYER_RADIUS, WORLD.height - PLAYER_RADIUS)),
  };
}

/** One tick: apply the inputs, collect orbs, top the orbs up. Deterministic given `ctx.random`. */
export function step(state: State, inputs: readonly PlayerInput<Input>[], dt: number, ctx: Pick<StepContext, "random">): void {
  for (const { playerId, input } of inputs) {
    const p = state.players[playerId];
    if (p) state.players[playerId] = movePlayer(p, input, dt);
  }
  for (const [orbId, orb] of Object.entries(state.orbs)) {
    for (const p of Object.values(state.players)) {
      if (Math.hypot(p.x - orb.x, p.y - orb.y) <= PLAYER_RADIUS + ORB_RADIUS) {
        p.score++;
        delete state.orbs[orbId];
        break;
      }
    }
  }
  while (Object.keys(state.orbs).length < ORBS) {
    state.orbs[`o${state.nextOrb++}`] = {
      x: Math.round(ORB_RADIUS + ctx.random() * (WORLD.width - 2 * ORB_RADIUS)),
      y: Math.round(ORB_RADIUS + ctx.random() * (WORLD.height - 2 * ORB_RADIUS)),
    };
  }
}

/** Positions are kept to 1/100 px: patches stay short and both sides round the same way. */
const round = (v: number) => Math.round(v * 100) / 100;
const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
