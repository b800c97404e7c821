import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: new URL("./fixtures/wrangler.toml", import.meta.url).pathname } })],
  test: { name: "core", include: ["**/*.test.ts"], root: new URL(".", import.meta.url).pathname, testTimeout: 30_000 },
});
