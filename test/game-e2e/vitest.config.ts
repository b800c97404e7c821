import { defineConfig } from "vitest/config";

// The game template end to end, in Node: a real `wrangler dev` of
// templates/game and two real Chromium pages.
export default defineConfig({
  test: {
    name: "game-e2e",
    environment: "node",
    include: ["**/*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false, // each file runs its own workerd (and Chromium): one at a time on 2 cores
  },
});
