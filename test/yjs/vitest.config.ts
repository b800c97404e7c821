import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// roomkit/yjs inside workerd: real Durable Objects, real hibernation/eviction,
// real providers (y-websocket, y-partykit) over in-process WebSockets.
export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: new URL("./fixtures/wrangler.toml", import.meta.url).pathname } })],
  test: { name: "yjs", include: ["**/*.test.ts"], root: new URL(".", import.meta.url).pathname, testTimeout: 30_000 },
});
