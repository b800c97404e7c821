// Forged lobby reports under a real `wrangler dev`, sent as raw HTTP so every
// path spelling reaches the server byte for byte (fetch would normalise
// `/./` and `%2e%2e` first): none lists, changes or removes a room. Quick
// join is rate-limited per client.
import http from "node:http";
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

/**
 * One raw HTTP request: the path goes out exactly as written. wrangler dev
 * reloads when sources change (other work in the repo) and then answers 503
 * "Your worker restarted mid-request" for non-GET requests: those are sent again.
 */
async function raw(method: string, rawPath: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  for (let attempt = 0; ; attempt++) {
    const res = await rawOnce(method, rawPath, body, headers);
    if (res.status !== 503 || !res.text.startsWith("Your worker restarted") || attempt >= 5) return res;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function rawOnce(method: string, rawPath: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // An explicit length: a body-less DELETE sent chunked made wrangler dev's proxy answer 503 ("Your worker restarted mid-request").
    const framing = body === undefined ? { "content-length": "0" } : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
    const req = http.request({ host: "127.0.0.1", port: server!.port, method, path: rawPath, headers: { ...framing, ...headers } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

type Listing = { room: string; players: number; party: string };
const list = async (): Promise<Listing[]> => JSON.parse((await raw("GET", "/parties/ranked-lobby/ranked")).text).rooms;

function spellings(id: string): string[] {
  const base = "/parties/ranked-lobby/ranked";
  return [
    `${base}/rooms/${id}`,
    `${base}/rooms/${id}/`,
    `${base}//rooms/${id}`,
    `${base}/./rooms/${id}`,
    `${base}/x/../rooms/${id}`,
    `${base}/x/%2e%2e/rooms/${id}`,
    `${base}/%2E/rooms/${id}`,
    `${base}/ROOMS/${id}`,
    `${base}/rooms%2f${id}`,
    `${base}/rooms%2F${id}/`,
    `/parties/ranked-lobby/./ranked/rooms/${id}`,
    `/parties/RANKED-LOBBY/ranked/rooms/${id}`,
  ];
}

it("no spelling of a forged report lists a fake room or unlists a real one", async () => {
  const room = `real-${Date.now()}`;
  const ws = new WebSocket(`ws://127.0.0.1:${server!.port}/parties/ranked/${room}?_pk=p1`);
  sockets.push(ws);
  await new Promise((r, j) => (ws.once("message", r), ws.once("error", j))); // the welcome
  const deadline = Date.now() + 30_000;
  while (!(await list()).some((l) => l.room === room && l.players === 1)) {
    if (Date.now() > deadline) throw new Error("the real room was never listed");
    await new Promise((r) => setTimeout(r, 50));
  }

  const report = JSON.stringify({ party: "ranked", players: 2, connected: 2, spectators: 0, maxPlayers: 3, open: true, info: null });
  const answers: string[] = [];
  for (const target of ["fake-room", room]) {
    for (const p of spellings(target)) {
      const forged: Record<string, string>[] = [{}, { "x-roomkit-caller": `ranked/${target}` }];
      for (const headers of forged) {
        for (const method of ["PUT", "DELETE"]) {
          const res = await raw(method, p, method === "PUT" ? report : undefined, headers);
          answers.push(`${res.status} ${method} ${p}`);
          expect(res.status, `${method} ${p} ${JSON.stringify(headers)}`).toBeGreaterThanOrEqual(400);
        }
      }
    }
  }
  const rooms = await list();
  expect(rooms.find((l) => l.room === "fake-room")).toBeUndefined();
  expect(rooms.find((l) => l.room === room)).toMatchObject({ players: 1, party: "ranked" });
  console.log(`[measure] ${answers.length} forged reports, statuses: ${[...new Set(answers.map((a) => a.slice(0, 3)))].join(", ")}`);
});

it("quick join is rate-limited per client", async () => {
  const lobby = `/parties/tiny-lobby/rate-${Date.now()}/quick-join`;
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await raw("POST", lobby)).status);
  expect(statuses).toEqual([200, 200, 429]);
  const limited = await raw("POST", lobby);
  expect(limited.text).toBe("Too many quick joins: at most 6 per minute per client.");
});
