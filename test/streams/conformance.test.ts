// The official Durable Streams server conformance suite
// (@durable-streams/server-conformance-tests, pinned in package.json) against
// a real `wrangler dev` serving roomkit/streams. Every test of the suite runs;
// none is skipped here.
import path from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll, describe } from "vitest";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

const config = { baseUrl: "", longPollTimeoutMs: 3_000 };
let server: DevServer | undefined;

beforeAll(async () => {
  server = await DevServer.start({ cwd: path.join(repoRoot, "test/streams/fixtures") });
  config.baseUrl = server.url;
});
afterAll(async () => {
  await server?.stop();
});

describe("Durable Streams conformance", () => {
  runConformanceTests(config);
});
