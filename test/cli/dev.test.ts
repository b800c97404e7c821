// roomkit dev's failure path (its success path runs in e2e.test.ts, through npm run dev).
import { createServer, type Server } from "node:net";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../support/wrangler-dev.js";
import { counterProject, lastLine, roomkit, tempDir } from "./support.js";

let blocker: Server | undefined;
afterAll(() => blocker?.close());

it("reports wrangler dev failing to start (port taken) in one line", async () => {
  const port = await freePort();
  blocker = createServer();
  await new Promise<void>((r) => blocker!.listen(port, "127.0.0.1", r));
  const dir = counterProject({ buildable: true });
  const r = await roomkit(dir, [
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
  ]);
  expect(r.code).toBe(1);
  expect(r.stdout + r.stderr).toContain(`Address already in use (127.0.0.1:${port})`);
  expect(lastLine(r.stderr)).toBe("error: wrangler dev exited with code 1");
});
