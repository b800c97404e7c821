import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "demo",
    environment: "node",
    include: ["**/*.test.ts"],
    root: new URL(".", import.meta.url).pathname,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
