// Load on one machine, bounded: every message is delivered exactly once and in
// order per sender, with 1,000 sockets in one room and with 200 rooms × 5.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { until } from "../support/until.js";
import { DevServer } from "../support/wrangler-dev.js";

const fixture = path.join(import.meta.dirname, "fixtures");
let server: DevServer;
beforeAll(async () => {
  server = await DevServer.start({ cwd: fixture });
});
afterAll(() => server?.stop());

type Client = { id: string; ws: WebSocket; got: string[] };

async function open(room: string, id: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/parties/relay/${room}?_pk=${id}`);
  const c: Client = { id, ws, got: [] };
  ws.on("message", (d) => c.got.push(String(d)));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return c;
}

/** Each sender's messages, as each client received them, must be exactly 0..n-1 in order. */
function checkDelivery(clients: Client[], senders: string[], perSender: number) {
  for (const c of clients) {
    for (const s of senders) {
      const mine = c.got.filter((m) => m.startsWith(`${s}:`)).map((m) => Number(m.slice(s.length + 1)));
      if (mine.length !== perSender || mine.some((v, i) => v !== i)) {
        expect.fail(`${c.id} got ${JSON.stringify(mine)} from ${s}, expected 0..${perSender - 1} once each in order`);
      }
    }
  }
}

it("1,000 connections in one room: every broadcast delivered exactly once, in order per sender", async () => {
  const room = `big-${Date.now()}`;
  const t0 = Date.now();
  const clients: Client[] = [];
  for (let i = 0; i < 1_000; i += 100) {
    clients.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => open(room, `c${i + j}`)))));
  }
  const opened = Date.now() - t0;
  const res = await fetch(`${server.url}/parties/relay/${room}`);
  expect(await res.json()).toEqual({ connections: 1_000 });

  const senders = clients.slice(0, 10);
  const perSender = 5;
  const t1 = Date.now();
  for (let k = 0; k < perSender; k++) for (const s of senders) s.ws.send(String(k));
  const total = senders.length * perSender;
  await until(
    () => clients.every((c) => c.got.length >= total),
    120_000,
    () => `${clients.filter((c) => c.got.length < total).length} clients short`,
  );
  const delivered = Date.now() - t1;
  checkDelivery(
    clients,
    senders.map((s) => s.id),
    perSender,
  );
  expect(clients.every((c) => c.got.length === total)).toBe(true);
  console.log(`1,000 sockets opened in ${opened} ms; ${total * 1_000} deliveries in ${delivered} ms (${Math.round((total * 1_000) / (delivered / 1000))}/s)`);
  await Promise.all(clients.map((c) => new Promise((r) => (c.ws.once("close", r), c.ws.close()))));
});

it("200 rooms × 5 connections: delivery stays inside each room, exactly once, in order", async () => {
  const stamp = Date.now();
  const rooms = Array.from({ length: 200 }, (_, r) => `many-${stamp}-${r}`);
  const t0 = Date.now();
  const byRoom: Client[][] = [];
  for (let i = 0; i < rooms.length; i += 20) {
    byRoom.push(...(await Promise.all(rooms.slice(i, i + 20).map((room) => Promise.all([0, 1, 2, 3, 4].map((j) => open(room, `${room}-p${j}`)))))));
  }
  const opened = Date.now() - t0;
  const perSender = 3;
  const t1 = Date.now();
  for (let k = 0; k < perSender; k++) for (const group of byRoom) for (const c of group) c.ws.send(String(k));
  const all = byRoom.flat();
  const expected = 5 * perSender;
  await until(
    () => all.every((c) => c.got.length >= expected),
    120_000,
    () => `${all.filter((c) => c.got.length < expected).length} clients short`,
  );
  const delivered = Date.now() - t1;
  for (const group of byRoom)
    checkDelivery(
      group,
      group.map((c) => c.id),
      perSender,
    );
  expect(all.every((c) => c.got.length === expected)).toBe(true); // nothing leaked in from another room
  console.log(`1,000 sockets in 200 rooms opened in ${opened} ms; ${all.length * expected} deliveries in ${delivered} ms`);
  await Promise.all(all.map((c) => new Promise((r) => (c.ws.once("close", r), c.ws.close()))));
});
