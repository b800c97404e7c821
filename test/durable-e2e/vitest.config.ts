import { defineConfig } from "vitest/config";

// Durable broadcasts against a real `wrangler dev`: Node partysocket clients
// behind a proxy that cuts their connections, restarts of the runtime, and a
// Chromium page that goes offline and back.
const src = new URL("../../src/", import.meta.url).pathname;

export default defineConfig({
  resolve: { alias: [{ find: /^roomkit\/durable$/, replacement: `${src}durable/index.ts` }] },
  test: {
    name: "durable-e2e",
    environment: "node",
    include: ["**/*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false, // each file runs its own workerd
  },
});
