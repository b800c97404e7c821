import { defineConfig } from "vitest/config";

// The benchmark harness in smoke mode: proves `npm run bench` still starts its
// workerd, drives every workload against every implementation and reports.
// It never asserts a timing (docs/benchmarks.md holds the measured figures).
export default defineConfig({
  test: {
    name: "bench",
    environment: "node",
    include: ["*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 240_000,
  },
});
