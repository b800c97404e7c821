// roomkit dev's failure path when the port is taken, in both modes (their success
// paths: dev-direct.test.ts, and e2e.test.ts through npm run dev).
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freePort } from "../support/wrangler-dev.js";
import { counterProject, lastLine, roomkit, tempDir } from "./support.js";

let blocker: Server;
let port: number;
beforeAll(async () => {
  port = await freePort();
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", r));
});
afterAll(() => blocker.close());

const args = async (...extra: string[]) => [
  "dev",
  "--port",
  String(port),
  "--ip",
  "127.0.0.1",
  "--persist-to",
  tempDir(),
  "--inspector-port",
  String(await freePort()),
  "--no-client",
  ...extra,
];

it("says in one line that the port is taken, and exits 1", async () => {
  const r = await roomkit(counterProject({ buildable: true }), await args());
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`error: port ${port} is already in use on 127.0.0.1: stop the other server or choose another with --port\n`);
});

it("with --wrangler, reports wrangler dev failing to start (port taken) in one line", async () => {
  const r = await roomkit(counterProject({ buildable: true }), await args("--wrangler"));
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`Address already in use (127.0.0.1:${port})`);
  expect(lastLine(r.stderr)).toBe("error: wrangler dev exited with code 1");
});
