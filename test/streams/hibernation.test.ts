// Issue item 4: idle live readers do not keep a stream's object awake. Under a
// real `wrangler dev`, ten readers (five SSE, five long-poll held 60 s) wait at
// the tail; the object leaves memory while they wait (a new in-memory
// instance serves the next request), and every reader still gets every
// append exactly once, in order.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer | undefined;
const aborts: AbortController[] = [];
beforeAll(async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/streams/fixtures") });
});
afterAll(async () => {
  for (const a of aborts) a.abort();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const url = (name: string, query = "") => `${server!.url}/slow/stream/${name}${query}`;
const instance = async (name: string) => (await fetch(url(name, "?__instance"))).text();

/** An SSE reader: collects the JSON messages of every data event. */
function sseReader(name: string, offset: string): { messages: unknown[]; done: Promise<void> } {
  const messages: unknown[] = [];
  const abort = new AbortController();
  aborts.push(abort);
  const done = (async () => {
    const res = await fetch(url(name, `?offset=${offset}&live=sse`), { signal: abort.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!block.startsWith("event: data")) continue;
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5))
          .join("\n");
        messages.push(...(JSON.parse(data) as unknown[]));
      }
    }
  })();
  return { messages, done };
}

/** A long-poll reader: polls from `offset` until it has `want` messages. */
function longPollReader(name: string, offset: string, want: number): { messages: unknown[]; done: Promise<void> } {
  const messages: unknown[] = [];
  const done = (async () => {
    let at = offset;
    while (messages.length < want) {
      const res = await fetch(url(name, `?offset=${at}&live=long-poll`));
      at = res.headers.get("stream-next-offset")!;
      if (res.status === 200) messages.push(...((await res.json()) as unknown[]));
    }
  })();
  return { messages, done };
}

it("readers waiting at the tail let the object hibernate, and each gets every append once, in order", async () => {
  const name = `hib-${Date.now()}`;
  const created = await fetch(url(name), { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify([{ n: 0 }]) });
  expect(created.status).toBe(201);
  const tail = created.headers.get("stream-next-offset")!;
  const before = await instance(name);

  const sse = Array.from({ length: 5 }, () => sseReader(name, tail));
  const polls = Array.from({ length: 5 }, () => longPollReader(name, tail, 3));
  // The platform evicts an object after about 10 s without events; held readers are not events.
  await sleep(14_000);
  const append = (n: number) => fetch(url(name), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ n }) });
  expect((await append(1)).status).toBe(204);
  const after = await instance(name);
  expect(after).not.toBe(before); // a new instance: the object left memory while ten readers waited

  expect((await append(2)).status).toBe(204);
  expect((await append(3)).status).toBe(204);
  await Promise.all(polls.map((p) => p.done));
  const deadline = Date.now() + 10_000;
  while (sse.some((r) => r.messages.length < 3) && Date.now() < deadline) await sleep(50);
  for (const r of [...sse, ...polls]) expect(r.messages).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
}, 60_000);
