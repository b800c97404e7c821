// The game room: one match, authoritative. roomkit/game runs the loop (30 Hz),
// keeps seats for players who drop (15 s), sends patches (20 Hz) and keeps
// the lobby informed; this class only says what the game is.
import type * as Party from "roomkit";
import { GameRoom, InputError, num, obj, onlyKeys, type GameRoomOptions, type JoinInfo, type PlayerInput, type StepContext } from "roomkit/game";
import * as game from "./game";

export class Arena extends GameRoom<game.State, game.Input> {
  /** `options` lets a test subclass change anything, e.g. `{ clock: new ManualClock() }` (see roomkit's docs/game.md). */
  constructor(room: Party.Room, options: GameRoomOptions = {}) {
    super(room, {
      tickRate: 30,
      patchRate: 20,
      maxPlayers: 8,
      reconnectGraceMs: 15_000,
      // A stalled connection delivers its inputs in a burst. Up to a second of them is queued
      // (roomkit's default, 8, drops the oldest of a longer burst, which the client has already
      // predicted: its view would jump back), and two a tick drain the backlog while the player
      // keeps moving. step() moves a player once per input, so two a tick is exact.
      maxQueuedInputs: 30,
      maxInputsPerTick: 2,
      lobby: { party: "lobby", room: "main" },
      ...options,
    });
  }

  initialState(): game.State {
    return game.initialState();
  }

  /** Everything a client sends is checked: exactly { dx, dy }, finite, within -1…1. */
  parseInput(raw: unknown): game.Input {
    const o = obj(raw);
    onlyKeys(o, ["dx", "dy"]);
    return { dx: num(o.dx, "dx", { min: -1, max: 1 }), dy: num(o.dy, "dy", { min: -1, max: 1 }) };
  }

  onJoin(state: game.State, player: JoinInfo): void {
    const name = (player.params.get("name") ?? "").trim() || "Player";
    if (name.length > 16) throw new InputError("Names are at most 16 characters.");
    game.addPlayer(state, player.id, name);
  }

  onLeave(state: game.State, playerId: string): void {
    game.removePlayer(state, playerId);
  }

  step(state: game.State, inputs: readonly PlayerInput<game.Input>[], dt: number, ctx: StepContext): void {
    game.step(state, inputs, dt, ctx);
  }

  /** Shown in the lobby next to the room's player count. */
  lobbyInfo(state: game.State) {
    const leader = Object.values(state.players).sort((a, b) => b.score - a.score)[0];
    return leader ? { leader: leader.name, score: leader.score } : null;
  }
}
