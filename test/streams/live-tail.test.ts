// Issue item 5: the WebSocket live tail. A partysocket client subscribes from
// an offset, receives appends live with their offsets, and appends over the
// same socket with idempotent-producer semantics (under a real `wrangler dev`).
import path from "node:path";
import PartySocket from "partysocket";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer | undefined;
const sockets: PartySocket[] = [];
beforeAll(async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/streams/fixtures") });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

type Frame = Record<string, any>;

/** A partysocket on the stream's URL, recording every frame. */
function tail(name: string, offset: () => string): { socket: PartySocket; frames: Frame[]; next: (pred: (f: Frame) => boolean) => Promise<Frame> } {
  const socket = new PartySocket({
    host: `127.0.0.1:${server!.port}`,
    basePath: `v1/stream/${name}`,
    query: () => ({ offset: offset() }),
    WebSocket: WebSocket as never,
  });
  sockets.push(socket);
  const frames: Frame[] = [];
  const waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void; from: number }[] = [];
  socket.addEventListener("message", (e) => {
    const frame = JSON.parse(String(e.data)) as Frame;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.pred(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  const next = (pred: (f: Frame) => boolean) => new Promise<Frame>((resolve) => waiters.push({ pred, resolve, from: frames.length }));
  return { socket, frames, next };
}

const messagesOf = (frames: Frame[]) => frames.filter((f) => f.type === "data").flatMap((f) => f.messages);

it("subscribes from an offset, receives appends live with offsets, and appends exactly once over the socket", async () => {
  const name = `tail-${Date.now()}`;
  const url = `${server!.url}/v1/stream/${name}`;
  const created = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify([{ m: 1 }, { m: 2 }]) });
  const afterTwo = created.headers.get("stream-next-offset")!;

  const a = tail(name, () => "-1");
  const b = tail(name, () => afterTwo);
  const aReady = a.next((f) => f.type === "up-to-date");
  const bReady = b.next((f) => f.type === "up-to-date");
  expect((await aReady).next).toBe(afterTwo);
  expect(messagesOf(a.frames)).toEqual([{ m: 1 }, { m: 2 }]);
  await bReady;
  expect(messagesOf(b.frames)).toEqual([]);

  // Append over A's socket as producer "a": both sockets get it, with its offsets.
  const ack = a.next((f) => f.type === "ack" && f.id === 1);
  const seenByB = b.next((f) => f.type === "data");
  a.socket.send(JSON.stringify({ type: "append", id: 1, data: { m: 3 }, producer: { id: "a", epoch: 0, seq: 0 } }));
  expect(await ack).toMatchObject({ status: 200, producerEpoch: "0", producerSeq: "0" });
  const live = await seenByB;
  expect(live).toMatchObject({ offset: afterTwo, messages: [{ m: 3 }], next: (await ack).next });

  // The same append again (a retry after a lost ack) is acknowledged as a duplicate and stored once.
  const dup = a.next((f) => f.id === 2);
  a.socket.send(JSON.stringify({ type: "append", id: 2, data: { m: 3 }, producer: { id: "a", epoch: 0, seq: 0 } }));
  expect(await dup).toMatchObject({ type: "ack", status: 204, producerSeq: "0" });
  // A gap is refused with the expected sequence.
  const gap = a.next((f) => f.id === 3);
  a.socket.send(JSON.stringify({ type: "append", id: 3, data: { m: 9 }, producer: { id: "a", epoch: 0, seq: 5 } }));
  expect(await gap).toMatchObject({ type: "error", status: 409, producerExpectedSeq: "1", producerReceivedSeq: "5" });

  const http = await (await fetch(`${url}?offset=-1`)).json();
  expect(http).toEqual([{ m: 1 }, { m: 2 }, { m: 3 }]);
  expect(messagesOf(b.frames)).toEqual([{ m: 3 }]);

  // A socket opened from B's last offset gets only what came after it.
  const c = tail(name, () => live.next);
  await c.next((f) => f.type === "up-to-date");
  const cData = c.next((f) => f.type === "data");
  const appended = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ m: 4 }) });
  expect(appended.status).toBe(204);
  await cData;
  expect(messagesOf(c.frames)).toEqual([{ m: 4 }]);
});

it("refuses a malformed offset and an unknown stream with a reason and a 44xx close code", async () => {
  const closeOf = (url: string) =>
    new Promise<{ code: number; frames: string[] }>((resolve) => {
      const ws = new WebSocket(url);
      const frames: string[] = [];
      ws.on("message", (d) => frames.push(String(d)));
      ws.on("close", (code) => resolve({ code, frames }));
    });
  const name = `tail-bad-${Date.now()}`;
  await fetch(`${server!.url}/v1/stream/${name}`, { method: "PUT", headers: { "content-type": "text/plain" } });
  const bad = await closeOf(`ws://127.0.0.1:${server!.port}/v1/stream/${name}?offset=12,3`);
  expect(bad.code).toBe(4400);
  expect(JSON.parse(bad.frames[0]!)).toMatchObject({ type: "error", status: 400, message: "Malformed offset." });
  const missing = await closeOf(`ws://127.0.0.1:${server!.port}/v1/stream/none-${Date.now()}`);
  expect(missing.code).toBe(4404);
});
