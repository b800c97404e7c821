import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// roomkit/game inside workerd: real Durable Objects, real sockets, real
// eviction and alarms. Rooms under test run on a ManualClock, so the loop
// advances only when a test says so and every assertion is exact.
export default defineConfig({
  // MEASURE=1 prints the sync traffic numbers of encoding.test.ts (quoted in docs/game.md).
  define: { __MEASURE__: JSON.stringify(Boolean(process.env.MEASURE)) },
  plugins: [cloudflareTest({ wrangler: { configPath: new URL("./fixtures/wrangler.toml", import.meta.url).pathname } })],
  test: { name: "game", include: ["**/*.test.ts"], root: new URL(".", import.meta.url).pathname, testTimeout: 30_000 },
});
