// Against a real `wrangler dev`: partysocket clients whose TCP connection is
// cut by the network (no close frame) miss broadcasts, reconnect by
// themselves and get exactly what they missed, in order — also after the
// runtime restarted (every room evicted) or the room hibernated, and with a reset when they were
// away longer than the room's retention.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { DevServer } from "../support/wrangler-dev.js";
import { DurableClient, Sender, range, until } from "./clients.js";
import { startFeedServer } from "./dev.js";
import { CuttingProxy } from "./proxy.js";

let server: DevServer;
let proxy: CuttingProxy;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  server = await startFeedServer();
  proxy = await CuttingProxy.start(server.port);
});
afterAll(async () => {
  for (const c of cleanup) c();
  await proxy?.stop();
  await server?.stop();
});

function client(party: string, room: string, id: string): DurableClient {
  const c = new DurableClient(proxy.port, party, room, id);
  cleanup.push(() => c.close());
  return c;
}
async function sender(party: string, room: string): Promise<Sender> {
  const s = await Sender.open(server.port, party, room);
  cleanup.push(() => s.close());
  return s;
}

it.each(["feed", "memory"])("%s room: a cut connection misses N broadcasts and gets exactly those N, in order, on reconnect", async (party) => {
  const room = `cut-${party}-${Date.now()}`;
  const s = await sender(party, room);
  const alice = client(party, room, "alice");
  await until(() => alice.readies === 1, "alice ready");
  await s.burst(5, "a");
  await until(() => alice.got.length === 5, "alice's first 5");

  proxy.offline = true;
  proxy.cut();
  await until(() => alice.socket.readyState !== 1, "alice cut off");
  await s.burst(20, "b"); // missed
  proxy.offline = false;
  await until(() => alice.readies === 2, "alice back and caught up");
  await s.burst(3, "c");
  await until(() => alice.got.length === 28, "alice's 28");
  expect(alice.got).toEqual([...range("a", 5), ...range("b", 20), ...range("c", 3)]);
  expect(alice.raw).toEqual(alice.got); // the server sent each exactly once
  expect(alice.states).toEqual([]);
});

it.each(["feed", "memory"])("%s room: the same across a restart of the runtime (the room is evicted)", async (party) => {
  const room = `restart-${party}-${Date.now()}`;
  let s = await sender(party, room);
  const alice = client(party, room, "alice");
  await until(() => alice.readies === 1, "alice ready");
  await s.burst(4, "a");
  await until(() => alice.got.length === 4, "alice's first 4");

  proxy.offline = true;
  proxy.cut();
  await s.burst(6, "b");
  s.close();
  const { persistTo, port } = server;
  await server.stop();
  server = await startFeedServer({ persistTo, port });
  s = await sender(party, room);
  await s.burst(5, "c");
  proxy.offline = false;
  await until(() => alice.got.length === 15, "alice's 15");
  expect(alice.got).toEqual([...range("a", 4), ...range("b", 6), ...range("c", 5)]);
  expect(alice.raw).toEqual(alice.got);
});

it("the same when the room hibernated (left memory, sockets kept) while the client was away", async () => {
  const room = `hibernate-${Date.now()}`;
  const instance = async () => ((await (await fetch(`${server.url}/parties/feed/${room}`)).json()) as { instance: string }).instance;
  const s = await sender("feed", room);
  const alice = client("feed", room, "alice");
  await until(() => alice.readies === 1, "alice ready");
  await s.burst(2, "a");
  await until(() => alice.got.length === 2, "alice's first 2");
  proxy.offline = true;
  proxy.cut();
  await s.burst(4, "b");
  const before = await instance();
  // The platform evicts an idle object after about 10 s without events; the sender's socket stays open (hibernated).
  await new Promise((r) => setTimeout(r, 12_000));
  await s.burst(3, "c"); // the sender's message wakes a new instance
  expect(await instance()).not.toBe(before);
  proxy.offline = false;
  await until(() => alice.got.length === 9, "alice's 9");
  expect(alice.got).toEqual([...range("a", 2), ...range("b", 4), ...range("c", 3)]);
  expect(alice.raw).toEqual(alice.got);
});

it("a client away for more than the retention gets a reset with the room's state, then live messages", async () => {
  const room = `reset-${Date.now()}`;
  const s = await sender("feed", room); // maxMessages 50
  const alice = client("feed", room, "alice");
  await until(() => alice.readies === 1, "alice ready");
  proxy.offline = true;
  proxy.cut();
  await s.burst(100, "x");
  s.ws.send("say:latest");
  await until(() => s.seen.at(-1) === "latest", "latest");
  proxy.offline = false;
  await until(() => alice.readies === 2, "alice back");
  expect(alice.states).toEqual(['{"last":"latest"}']);
  expect(alice.got).toEqual([]);
  await s.burst(2, "after");
  await until(() => alice.got.length === 2, "live after the reset");
  expect(alice.got).toEqual(range("after", 2));
});
