// The official Durable Streams server conformance suite
// (@durable-streams/server-conformance-tests, pinned in package.json) against
// a real `wrangler dev` serving roomkit/streams. Every test the suite runs by
// default runs; none is skipped here (its opt-in subscription block is off, see below).
import path from "node:path";
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { Agent, setGlobalDispatcher } from "undici";
import { afterAll, beforeAll, describe } from "vitest";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

// The fixture's long-polls answer 204 after 2 s; the suite's long-poll tests
// get 4 s + 1 s, headroom for a loaded machine.
const config = { baseUrl: "", longPollTimeoutMs: 4_000 };
let server: DevServer | undefined;

// The suite's fetches reuse keep-alive sockets; after a slow client-side step
// (the pagination test checks 100 KB byte by byte) workerd may already have
// closed an idle one, and the next request fails with "other side closed".
// Sockets idle for more than half a second are not reused.
setGlobalDispatcher(new Agent({ keepAliveTimeout: 500, keepAliveMaxTimeout: 500 }));

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
  // `subscriptions` stays off: the suite then skips its six "Reserved subscription APIs" tests
  // (PROTOCOL §6–7, webhooks), which roomkit/streams does not implement yet (docs/streams.md).
  console.log(
    '[conformance] the suite skips its 6 "Reserved subscription APIs" tests: they run only with subscriptions: true, and roomkit/streams does not implement that optional API yet',
  );
  runConformanceTests(config);
});
