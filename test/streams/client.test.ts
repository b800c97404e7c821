// Issue item 6: the official TypeScript client, @durable-streams/client
// (pinned in package.json), against roomkit/streams under a real
// `wrangler dev`: an idempotent producer appends; catch-up, long-poll and SSE
// readers each see every message once, in order.
import path from "node:path";
import { DurableStream, IdempotentProducer } from "@durable-streams/client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer | undefined;
beforeAll(async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/streams/fixtures") });
});
afterAll(async () => {
  await server?.stop();
});

type Msg = { n: number };

/** Reads live until `want` messages arrived, then cancels. */
async function readLive(stream: DurableStream, live: "long-poll" | "sse", want: number): Promise<Msg[]> {
  const res = await stream.stream<Msg>({ live, offset: "-1" });
  const got: Msg[] = [];
  await new Promise<void>((resolve) => {
    res.subscribeJson<Msg>((batch) => {
      got.push(...batch.items);
      if (got.length >= want) resolve();
    });
  });
  res.cancel();
  return got;
}

it("an IdempotentProducer's appends reach catch-up, long-poll and SSE readers exactly once, in order", async () => {
  const url = `${server!.url}/v1/stream/client/${Date.now()}`; // a stream path with "/" in it
  const stream = await DurableStream.create({ url, contentType: "application/json" });

  // Readers that start before the data exists: they receive it live.
  const longPoll = readLive(stream, "long-poll", 40);
  const sse = readLive(stream, "sse", 40);

  const producer = new IdempotentProducer(stream, "writer-1", { epoch: 0, lingerMs: 5 });
  for (let n = 0; n < 40; n++) producer.append(JSON.stringify({ n }));
  await producer.flush();

  const expected = Array.from({ length: 40 }, (_, n) => ({ n }));
  const catchUp = await (await stream.stream<Msg>({ live: false })).json();
  expect(catchUp).toEqual(expected);
  expect(await longPoll).toEqual(expected);
  expect(await sse).toEqual(expected);

  // A restarted producer (next epoch) fences the old one; the stream stays exact.
  const restarted = new IdempotentProducer(stream, "writer-1", { epoch: 1 });
  restarted.append(JSON.stringify({ n: 40 }));
  await restarted.flush();
  const stale = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "producer-id": "writer-1", "producer-epoch": "0", "producer-seq": "41" },
    body: JSON.stringify({ n: -1 }),
  });
  expect(stale.status).toBe(403);
  expect(stale.headers.get("producer-epoch")).toBe("1");
  const all = await (await stream.stream<Msg>({ live: false })).json();
  expect(all).toEqual([...expected, { n: 40 }]);

  const head = await stream.head();
  expect(head.exists).toBe(true);
});
