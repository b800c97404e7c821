// Auth for streams goes through the same edge hooks as rooms (static
// onBeforeRequest on the class, in the Worker) plus the class's authorize
// hook in the stream's object; refusals are precise and never reach storage.
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
