// The official Durable Streams server conformance suite
// (@durable-streams/server-conformance-tests, pinned in package.json) against
// a real `wrangler dev` serving roomkit/streams. Every test of the suite runs;
// none is skipped here.
import path from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll, describe } from "vitest";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

// The fixture's long-polls answer 204 after 2 s; the suite's long-poll tests
// get 4 s + 1 s, headroom for a loaded machine.
const config = { baseUrl: "", longPollTimeoutMs: 4_000 };
let server: DevServer | undefined;

beforeAll(async () => {
  // STREAMS_URL points the suite at a server you run yourself (to watch its log while debugging).
  if (process.env.STREAMS_URL) {
    config.baseUrl = process.env.STREAMS_URL;
    return;
  }
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/streams/fixtures") });
  config.baseUrl = server.url;
});
afterAll(async () => {
  await server?.stop();
});

describe("Durable Streams conformance", () => {
  runConformanceTests(config);
});
