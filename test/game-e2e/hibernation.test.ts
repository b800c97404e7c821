// Under a real `wrangler dev`: a game room whose loop runs stays in memory
// (the interval keeps it awake, as it should while people play); once the
// last player is gone the loop stops and the object really leaves memory —
// with a spectator still connected — and a returning player wakes it with
// their seat and the saved state.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer | undefined;
const sockets: WebSocket[] = [];
beforeAll(async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/game/fixtures") });
});
afterAll(async () => {
  for (const s of sockets) s.terminate();
  await server?.stop();
});

type Stats = {
  instance: string;
  tick: number;
  running: boolean;
  players: { id: string; connected: boolean }[];
  state: { players: Record<string, { score: number }> };
};
const stats = async (room: string) => (await fetch(`${server!.url}/parties/realtime/${room}/stats`)).json() as Promise<Stats>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw client: resolves with the socket and its welcome. */
async function join(room: string, query: string): Promise<{ ws: WebSocket; welcome: Record<string, any>; messages: any[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server!.port}/parties/realtime/${room}?${query}`);
  sockets.push(ws);
  const messages: any[] = [];
  const welcome = await new Promise<Record<string, any>>((resolve, reject) => {
    ws.on("message", (d) => {
      const m = JSON.parse(String(d));
      messages.push(m);
      if (m.type === "welcome") resolve(m);
    });
    ws.once("error", reject);
  });
  return { ws, welcome, messages };
}

it("stays awake while the loop runs, leaves memory once the room empties, and resumes for a returning player", async () => {
  const room = `hib-${Date.now()}`;
  const player = await join(room, "_pk=seat-key-1");
  const watcher = await join(room, "_pk=watcher&spectate=1");
  player.ws.send(JSON.stringify([1, { action: "score" }]));
  const playing = await stats(room);
  expect(playing.running).toBe(true);

  // The platform evicts an idle object after about 10 s without events; a running loop is not idle.
  await sleep(12_000);
  const still = await stats(room);
  expect(still.instance).toBe(playing.instance);
  expect(still.tick).toBeGreaterThan(playing.tick); // it kept ticking all along
  expect(still.state.players[player.welcome.id]!.score).toBe(1);

  // The player drops: the loop stops and nothing keeps the object in memory, though the spectator stays connected.
  player.ws.close();
  const stoppedAt = await (async () => {
    for (;;) {
      const s = await stats(room);
      if (!s.running) return s;
      await sleep(100);
    }
  })();
  let later = stoppedAt;
  for (let i = 0; i < 5 && later.instance === stoppedAt.instance; i++) {
    await sleep(12_000);
    later = await stats(room);
  }
  expect(later.instance).not.toBe(stoppedAt.instance);
  expect(later).toMatchObject({ running: false, tick: stoppedAt.tick, players: [{ id: player.welcome.id, connected: false }] });
  expect(watcher.ws.readyState).toBe(WebSocket.OPEN);

  // The same seat key comes back: same seat, same score, and the loop picks up from the saved tick.
  const back = await join(room, "_pk=seat-key-1");
  expect(back.welcome).toMatchObject({ reconnected: true, id: player.welcome.id, tick: stoppedAt.tick });
  expect(back.welcome.state.players[player.welcome.id].score).toBe(1);
  expect((await stats(room)).running).toBe(true);
  back.ws.send(JSON.stringify([2, { action: "score" }]));
  await expect.poll(async () => (await stats(room)).state.players[player.welcome.id]!.score, { timeout: 10_000 }).toBe(2);
  // The spectator, whose socket slept through it all, is still in the room and sees the change.
  await expect
    .poll(() => watcher.messages.some((m) => m.type === "state" || (Array.isArray(m) && JSON.stringify(m).includes('"score":2'))), { timeout: 10_000 })
    .toBe(true);
});
