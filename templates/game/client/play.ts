// The game screen: a GameClient connected to the arena, keyboard input sent at
// the tick rate, the canvas redrawn every animation frame, and the scoreboard.
import { GameClient } from "roomkit/game/client";
import { movePlayer, WORLD, type Input, type State } from "../src/game";
import { draw } from "./render";
import { forgetSeat, loadName, seatKey } from "./identity";
import { currentInput, listenToKeys } from "./keys";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function play(room: string, backToLobby: () => void): GameClient<State, Input> {
  $("play").hidden = false;
  $("room").textContent = room;
  const game: GameClient<State, Input> = new GameClient<State, Input>({
    host: location.host,
    party: "arena",
    room,
    id: seatKey(room),
    query: { name: loadName() },
    // Your own inputs, replayed on the room's last state: you move the moment you press a key.
    predict: (state, input, me): State => {
      const p = state.players[me];
      return p ? { ...state, players: { ...state.players, [me]: movePlayer(p, input, 1 / game.tickRate) } } : state;
    },
  });

  const status = $("status");
  const setStatus = (s: string, text: string) => {
    status.dataset.status = s;
    status.textContent = text;
  };
  setStatus("connecting", "Connecting…");
  game.on("welcome", (w) => setStatus("connected", w.reconnected ? "Back in your seat" : "Playing"));
  game.on("status", (s, detail) => {
    if (s === "connecting") setStatus("connecting", "Reconnecting… (your seat is kept for 15 s)");
    if (s === "closed" && detail) setStatus("closed", detail.reason || "Disconnected");
  });
  game.on("refused", (reason) => {
    setStatus("closed", reason);
    forgetSeat(room);
  });
  game.on("invalid", (reason) => console.warn("The room rejected a message:", reason));
  game.on("state", () => renderScores(game));
  game.on("seat", () => renderScores(game));

  $("leave").addEventListener("click", () => {
    game.leave();
    forgetSeat(room);
    backToLobby();
  });

  // Inputs go out at the tick rate: the room applies one per tick, two while catching up after a stall.
  listenToKeys(window);
  setInterval(() => {
    const input = currentInput();
    if (input) game.sendInput(input);
  }, 1000 / 30);

  const canvas = $<HTMLCanvasElement>("canvas");
  canvas.width = WORLD.width;
  canvas.height = WORLD.height;
  const ctx = canvas.getContext("2d")!;
  const frame = () => {
    if (game.serverState) draw(ctx, game.serverState, game.predicted!, game.sample(), game.me);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  return game;
}

function renderScores(game: GameClient<State, Input>): void {
  const state = game.serverState;
  if (!state) return;
  const list = $("scores");
  list.replaceChildren();
  const rows = Object.entries(state.players).sort(([, a], [, b]) => b.score - a.score);
  for (const [id, p] of rows) {
    const li = document.createElement("li");
    li.dataset.player = id;
    if (id === game.me) li.classList.add("me");
    if (game.players.get(id)?.connected === false) li.classList.add("away");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = p.color;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = p.name;
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = String(p.score);
    li.append(swatch, name, score);
    list.append(li);
  }
}
