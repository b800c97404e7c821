// SIGKILL the runtime in the middle of increments from real clients, restart on
// the same on-disk state: the counter never goes backwards from anything a
// client was shown.
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import WebSocket from "ws";
import { DevServer } from "../support/wrangler-dev.js";

const fixture = path.join(import.meta.dirname, "fixtures");
let server: DevServer | undefined;
afterAll(() => server?.kill());

function client(url: string, seen: number[]) {
  const ws = new WebSocket(url);
  ws.on("message", (d) => seen.push(Number(String(d))));
  ws.on("error", () => {});
  return ws;
}

it("every count a client was shown survives a SIGKILL of wrangler and workerd", async () => {
  server = await DevServer.start({ cwd: fixture });
  const room = `ws://127.0.0.1:${server.port}/parties/main/crash-${Date.now()}`;
  const perClient: number[][] = [[], [], []];
  const clients = perClient.map((seen) => client(room, seen));
  await Promise.all(clients.map((ws) => new Promise((r) => ws.once("open", r))));

  // Hammer increments, and kill the process group while they are in flight.
  const sender = setInterval(() => clients.forEach((ws) => ws.readyState === WebSocket.OPEN && ws.send("increment")), 2);
  await new Promise((r) => setTimeout(r, 1_500));
  server.kill();
  clearInterval(sender);
  const maxShown = Math.max(...perClient.flat());
  expect(maxShown).toBeGreaterThan(10); // the test really raced increments against the kill

  server = await DevServer.start({ cwd: fixture, persistTo: server.persistTo });
  const after: number[] = [];
  const fresh = client(`ws://127.0.0.1:${server.port}${new URL(room).pathname}`, after);
  await new Promise((r) => fresh.once("message", r));
  console.log(`shown before the kill: ${maxShown}; durable after restart: ${after[0]}`);
  expect(after[0]).toBeGreaterThanOrEqual(maxShown);
  // Each client saw the count only grow: broadcasts arrive in commit order.
  for (const seen of perClient) {
    for (let i = 1; i < seen.length; i++) if (seen[i] <= seen[i - 1]) expect.fail(`count went backwards: ${seen[i - 1]} → ${seen[i]}`);
  }
  fresh.close();
  await server.stop();
});
