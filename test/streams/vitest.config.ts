import { defineConfig } from "vitest/config";

// roomkit/streams against a real `wrangler dev` (workerd) from Node: the
// official Durable Streams conformance suite, the official client, SIGKILL.
export default defineConfig({
  test: {
    name: "streams",
    environment: "node",
    include: ["**/*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false, // each file runs its own workerd: one at a time on 2 cores
  },
});
