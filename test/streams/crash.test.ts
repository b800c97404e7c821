// SIGKILL of wrangler and workerd between and during acknowledged appends,
// then a restart on the same on-disk state: nothing acknowledged is lost, and
// the producer's retry of the append in flight at the kill is stored at most
// once (exactly once in total).
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

const fixture = path.join(repoRoot, "test/streams/fixtures");
let server: DevServer | undefined;
afterAll(() => server?.kill());

const append = (url: string, seq: number) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "producer-id": "crash-writer", "producer-epoch": "0", "producer-seq": String(seq) },
    body: JSON.stringify({ seq }),
  });

it("every acknowledged append survives a SIGKILL, and retrying the one in flight stores it once", async () => {
  server = await DevServer.start({ cwd: fixture });
  const name = `crash-${Date.now()}`;
  let url = `${server.url}/v1/stream/${name}`;
  expect((await fetch(url, { method: "PUT", headers: { "content-type": "application/json" } })).status).toBe(201);

  // One producer appends as fast as acknowledgements come back; the kill lands mid-stream.
  let acked = -1;
  let inFlight = 0;
  const writer = (async () => {
    for (let seq = 0; ; seq++) {
      inFlight = seq;
      const res = await append(url, seq).catch(() => null);
      if (!res || res.status !== 200) return;
      acked = seq;
    }
  })();
  await new Promise((r) => setTimeout(r, 1_500));
  server.kill();
  await writer;
  expect(acked).toBeGreaterThan(10); // the test really raced appends against the kill

  server = await DevServer.start({ cwd: fixture, persistTo: server.persistTo });
  url = `${server.url}/v1/stream/${name}`;
  // The producer retries what it never saw acknowledged: stored now (200) or already (204), never twice.
  const retry = await append(url, inFlight);
  expect([200, 204]).toContain(retry.status);
  expect((await append(url, inFlight)).status).toBe(204);
  const stored = (await (await fetch(`${url}?offset=-1`)).json()) as { seq: number }[];
  console.log(`acknowledged before the kill: ${acked + 1}; in flight: seq ${inFlight}; stored after restart: ${stored.length}`);
  expect(stored).toEqual(Array.from({ length: inFlight + 1 }, (_, seq) => ({ seq })));
  await server.stop();
});
