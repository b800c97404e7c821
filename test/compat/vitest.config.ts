import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "compat", environment: "node", include: ["**/*.test.ts"], root: new URL(".", import.meta.url).pathname, testTimeout: 60_000 },
});
