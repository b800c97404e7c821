// Clients dropped by the network at random moments while a stream of
// broadcasts goes on — some of them right after they reconnect, in the middle
// of their own catch-up — with a restart of the runtime halfway: every client
// ends with exactly the room's sequence, no gap, no duplicate. Seeded.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DevServer } from "../support/wrangler-dev.js";
import { DurableClient, Sender, sleep, until } from "./clients.js";
import { startFeedServer } from "./dev.js";
import { CuttingProxy } from "./proxy.js";

let server: DevServer;
let proxy: CuttingProxy;
const clients: DurableClient[] = [];
let s: Sender | undefined;

beforeAll(async () => {
  server = await startFeedServer();
  proxy = await CuttingProxy.start(server.port);
});
afterAll(async () => {
  for (const c of clients) c.close();
  s?.close();
  await proxy?.stop();
  await server?.stop();
});

function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it("random drops mid-stream and mid-catch-up, and a runtime restart: every client ends with the exact sequence", async () => {
  const random = prng(18);
  const party = "big"; // retains 20,000: nobody is reset here
  const room = `chaos-${Date.now()}`;
  s = await Sender.open(server.port, party, room);
  let cutsDuringCatchUp = 0;
  for (let i = 0; i < 6; i++) {
    const c = new DurableClient(proxy.port, party, room, `c${i}`);
    // A third of the reconnects are cut again at once, while the catch-up is still arriving.
    c.socket.addEventListener("open", () => {
      if (c.opens > 1 && random() < 0.33) {
        cutsDuringCatchUp++;
        setImmediate(() => proxy.cutNewest());
      }
    });
    clients.push(c);
  }
  await until(() => clients.every((c) => c.readies >= 1), "every client ready");

  const stream = async (phase: string, n: number) => {
    for (let i = 0; i < n; i++) {
      if (random() < 0.1) s!.ws.send(`burst:${1 + Math.floor(random() * 10)}:${phase}${i}-`);
      else s!.ws.send(`say:${phase}${i}`);
      if (random() < 0.08) proxy.cut(Math.floor(random() * 1000)); // one random client drops
      if (random() < 0.3) await sleep(Math.floor(random() * 5));
    }
  };
  // Each phase ends with a marker, so the sender's view is complete before the runtime goes down.
  const finish = async (phase: string) => {
    s!.ws.send(`say:${phase}-end`);
    await until(() => s!.seen.at(-1) === `${phase}-end`, `phase ${phase} broadcast`);
  };
  await stream("p", 300);
  await finish("p");
  const expected = [...s.seen];
  s.close();
  const { persistTo, port } = server;
  await server.stop();
  server = await startFeedServer({ persistTo, port });
  s = await Sender.open(server.port, party, room);
  await stream("q", 300);
  await finish("q");
  expected.push(...s.seen);
  await until(() => clients.every((c) => c.got.length >= expected.length), "every client complete", 60_000);
  for (const c of clients) {
    expect(c.got, c.socket.id).toEqual(expected);
    expect(c.raw, `${c.socket.id} raw frames`).toEqual(expected);
    expect(c.states).toEqual([]);
  }
  console.log(
    `[durable] chaos: ${expected.length} messages, ${clients.reduce((n, c) => n + c.opens, 0)} connections, ${cutsDuringCatchUp} cut during catch-up`,
  );
  expect(cutsDuringCatchUp).toBeGreaterThan(0);
});
