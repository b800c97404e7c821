// Auth for streams goes through the same edge hooks as rooms (static
// onBeforeRequest on the class, in the Worker) plus the class's authorize
// hook in the stream's object; refusals are precise and never reach storage.
// Server code (a room) reaches a stream with streamStub, past the edge hooks.
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

it("the edge hook refuses writes without a token (401), annotates the request for authorize, and reads stay open", async () => {
  const url = `${server!.url}/guarded/stream/notes/${Date.now()}`;
  const text = { "content-type": "text/plain" };
  const anonymous = await fetch(url, { method: "PUT", headers: text });
  expect(anonymous.status).toBe(401);
  expect(await anonymous.text()).toBe("Writes need a writer token.");

  const writer = { ...text, authorization: "Bearer writer-token" };
  expect((await fetch(url, { method: "PUT", headers: writer })).status).toBe(201);
  expect((await fetch(url, { method: "POST", headers: writer, body: "one" })).status).toBe(204);
  // A client cannot forge the header the hook sets: only the hook's copy reaches the class.
  const forged = await fetch(url, { method: "POST", headers: { ...text, "x-writer": "writer-1" }, body: "two" });
  expect(forged.status).toBe(401);

  const deleted = await fetch(url, { method: "DELETE", headers: writer });
  expect(deleted.status).toBe(405);
  expect(await deleted.text()).toBe("Streams here are never deleted.");

  const read = await fetch(`${url}?offset=-1`);
  expect(read.status).toBe(200);
  expect(await read.text()).toBe("one");
});

it("forking a stream needs read access to it: the source's authorize hook sees the fork request", async () => {
  const base = `${server!.url}/guarded/stream`;
  const id = Date.now();
  const writer = { "content-type": "text/plain", authorization: "Bearer writer-token" };
  expect((await fetch(`${base}/private/${id}`, { method: "PUT", headers: writer, body: "secret" })).status).toBe(201);
  expect((await fetch(`${base}/private/${id}?offset=-1`)).status).toBe(403);

  // A writer may create streams, but a fork would expose the source: refused without read access.
  const fork = (path: string, extra: Record<string, string> = {}) =>
    fetch(`${base}/${path}`, { method: "PUT", headers: { ...writer, ...extra, "stream-forked-from": `/guarded/stream/private/${id}` } });
  expect((await fork(`copy-${id}`)).status).toBe(403);
  expect((await fetch(`${base}/copy-${id}?offset=-1`)).status).toBe(404); // nothing was created
  expect((await fork(`copy-${id}`, { "x-reader": "yes" })).status).toBe(201);
  expect(await (await fetch(`${base}/copy-${id}?offset=-1`)).text()).toBe("secret");
});

it("server code reaches a stream by path with streamStub, with the protocol's answers", async () => {
  const name = `from-server/${Date.now()}`;
  await fetch(`${server!.url}/v1/stream/${name}`, { method: "PUT", headers: { "content-type": "application/json" } });
  const first = await fetch(`${server!.url}/server-append/${name}?seq=0`, { method: "POST", body: JSON.stringify({ by: "room" }) });
  expect(first.status).toBe(200);
  expect((await fetch(`${server!.url}/server-append/${name}?seq=0`, { method: "POST", body: JSON.stringify({ by: "room" }) })).status).toBe(204);
  expect((await fetch(`${server!.url}/server-append/${name}?seq=5`, { method: "POST", body: JSON.stringify({ by: "room" }) })).status).toBe(409);
  expect(await (await fetch(`${server!.url}/v1/stream/${name}?offset=-1`)).json()).toEqual([{ by: "room" }]);
});

it("a refusal by the class's authorize hook answers every request that carries a body (the body is drained, not cancelled)", async () => {
  // Cancelling a body piped to a Durable Object drops the client's connection under wrangler dev
  // (docs/limits.md, "Request bodies roomkit does not read"): some of these would get a 503 "Your worker restarted mid-request" or an empty answer.
  const url = `${server!.url}/guarded/stream/refused-bodies/${Date.now()}`;
  const writer = { "content-type": "text/plain", authorization: "Bearer writer-token" };
  expect((await fetch(url, { method: "PUT", headers: writer })).status).toBe(201);
  const answers = await refusedMany(url, { method: "DELETE", headers: writer });
  expect(answers).toEqual(Array.from({ length: 128 }, () => "405 Streams here are never deleted."));
});

it("a refusal by the edge hook answers every request that carries a body (the hook's copy is drained)", async () => {
  // The edge hook gets a copy of the request; refused, that copy's body is unread, and an unread
  // moved body drops the client's connection under wrangler dev (docs/limits.md) unless drained.
  const url = `${server!.url}/guarded/stream/edge-refused/${Date.now()}`;
  const answers = await refusedMany(url, { method: "POST", headers: { "content-type": "text/plain" } });
  expect(answers).toEqual(Array.from({ length: 128 }, () => "401 Writes need a writer token."));
});

/** 128 requests with a 64 KB body each, 16 at a time: every answer as "<status> <text>". */
async function refusedMany(url: string, init: { method: string; headers: Record<string, string> }): Promise<string[]> {
  const body = "x".repeat(64 * 1024);
  const answers: string[] = [];
  for (let round = 0; round < 8; round++) {
    answers.push(
      ...(await Promise.all(
        Array.from({ length: 16 }, async () => {
          const res = await fetch(url, { ...init, body });
          return `${res.status} ${await res.text()}`;
        }),
      )),
    );
  }
  return answers;
}
