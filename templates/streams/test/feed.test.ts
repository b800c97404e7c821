// The chat feed, tested inside workerd through the Worker (SELF.fetch and a
// real WebSocket): messages are appended once per producer sequence, read
// back in order from any offset, refused when they are not chat messages,
// and the feed cannot be deleted from a browser.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import type { ChatMessage } from "../src/feed";

const url = (feed: string, query = "") => `http://x/v1/stream/chat/${feed}${query}`;
const create = (feed: string) => SELF.fetch(url(feed), { method: "PUT", headers: { "content-type": "application/json" } });
const post = (feed: string, body: unknown, seq?: number) =>
  SELF.fetch(url(feed), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(seq === undefined ? {} : { "producer-id": "tab-1", "producer-epoch": "0", "producer-seq": String(seq) }),
    },
    body: JSON.stringify(body),
  });
const msg = (text: string): ChatMessage => ({ from: "ada", text, at: 1 });

it("stores each producer sequence once and reads the feed back in order", async () => {
  const feed = `order-${crypto.randomUUID()}`;
  expect((await create(feed)).status).toBe(201);
  expect((await create(feed)).status).toBe(200); // every page creates it: idempotent
  expect((await post(feed, msg("one"), 0)).status).toBe(200);
  const afterOne = (await post(feed, msg("one"), 0)).headers.get("stream-next-offset"); // a retry: duplicate
  expect((await post(feed, msg("two"), 1)).status).toBe(200);

  const all = await SELF.fetch(url(feed, "?offset=-1"));
  expect(await all.json()).toEqual([msg("one"), msg("two")]);
  const rest = await SELF.fetch(url(feed, `?offset=${afterOne}`));
  expect(await rest.json()).toEqual([msg("two")]);
});

it("refuses what is not a chat message, and deletion, with a reason", async () => {
  const feed = `refuse-${crypto.randomUUID()}`;
  await create(feed);
  const bad = await post(feed, { from: "ada", text: "", at: 1 });
  expect(bad.status).toBe(422);
  expect(await bad.text()).toContain("text: 1–500 characters");
  expect((await SELF.fetch(url(feed), { method: "DELETE" })).status).toBe(403);
  expect(await (await SELF.fetch(url(feed, "?offset=-1"))).json()).toEqual([]);
});

it("a socket gets the history from its offset, then appends live, and acknowledges its own appends", async () => {
  const feed = `socket-${crypto.randomUUID()}`;
  await create(feed);
  await post(feed, msg("before"), 0);
  const res = await SELF.fetch(url(feed, "?offset=-1"), { headers: { upgrade: "websocket" } });
  const ws = res.webSocket!;
  ws.accept();
  const frames: Record<string, any>[] = [];
  ws.addEventListener("message", (e) => {
    frames.push(JSON.parse(String(e.data)));
  });
  await expect.poll(() => frames.some((f) => f.type === "up-to-date")).toBe(true);
  ws.send(JSON.stringify({ type: "append", id: 1, data: msg("live"), producer: { id: "tab-1", epoch: 0, seq: 1 } }));
  await expect.poll(() => frames.find((f) => f.type === "ack")).toMatchObject({ id: 1, status: 200 });
  expect(frames.filter((f) => f.type === "data").flatMap((f) => f.messages)).toEqual([msg("before"), msg("live")]);
  ws.close();
});
