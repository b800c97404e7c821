import { defineConfig } from "vitest/config";

// The CLI runs in Node: most tests call it in-process (runCli with a captured
// Io); e2e.test.ts packs the package and drives the real binaries.
export default defineConfig({
  test: {
    name: "cli",
    environment: "node",
    include: ["*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
