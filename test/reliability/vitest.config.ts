import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "reliability",
    environment: "node",
    include: ["**/*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false, // each file runs its own workerd; two at once would share the 2 cores
  },
});
