import { defineConfig } from "vitest/config";

// roomkit/yjs end to end, in Node: real `wrangler dev` processes (killed with
// SIGKILL), real providers over `ws`, and two real Chromium pages.
export default defineConfig({
  test: {
    name: "yjs-e2e",
    environment: "node",
    include: ["**/*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false, // each file runs its own workerd (and Chromium): one at a time on 2 cores
  },
});
