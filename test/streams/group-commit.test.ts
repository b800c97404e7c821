// Concurrent appends to one stream are written in batches (src/streams/group-commit.ts):
// what writers rely on must hold inside a batch: every acknowledged append is
// stored once at the offset its acknowledgement names, each producer's appends
// in its order, duplicates answered as duplicates, and a refused append in the
// middle of a batch refuses only itself.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

let server: DevServer | undefined;
beforeAll(async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/streams/fixtures") });
});
afterAll(async () => {
  await server?.stop();
});

const WRITERS = 30;
const EACH = 3;

it("thirty concurrent producers: every acknowledged append is stored once, at its offset, in each producer's order; an oversized one in between is refused alone", async () => {
  const url = `${server!.url}/v1/stream/group-commit-${Date.now()}`;
  const json = { "content-type": "application/json" };
  expect((await fetch(url, { method: "PUT", headers: json })).status).toBe(201);

  const acked = new Map<number, string>(); // stream position of the message → "writer:seq"
  const append = (w: number, seq: number) =>
    fetch(url, {
      method: "POST",
      headers: { ...json, "producer-id": `w${w}`, "producer-epoch": "0", "producer-seq": String(seq) },
      body: JSON.stringify({ w, seq }),
    });
  const oversized = () => fetch(url, { method: "POST", headers: json, body: JSON.stringify({ pad: "x".repeat(1 << 20) }) });

  const refusals = Promise.all([oversized(), oversized(), oversized()]);
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let seq = 0; seq < EACH; seq++) {
        const res = await append(w, seq);
        expect(res.status).toBe(200);
        const next = Number(res.headers.get("stream-next-offset")!.split("_")[1]);
        expect(acked.has(next - 1)).toBe(false);
        acked.set(next - 1, `${w}:${seq}`);
      }
    }),
  );
  for (const res of await refusals) {
    expect(res.status).toBe(413);
    expect(await res.text()).toBe(`The body is larger than ${1 << 20} bytes.`);
  }

  // A retry of an append already stored is a duplicate (204), not a second copy.
  expect((await append(7, EACH - 1)).status).toBe(204);

  const read = await fetch(`${url}?offset=-1`);
  const messages = (await read.json()) as { w: number; seq: number }[];
  expect(messages).toHaveLength(WRITERS * EACH);
  messages.forEach((m, position) => expect(`${m.w}:${m.seq}`).toBe(acked.get(position)));
  for (let w = 0; w < WRITERS; w++) {
    expect(messages.filter((m) => m.w === w).map((m) => m.seq)).toEqual([0, 1, 2]);
  }
});
