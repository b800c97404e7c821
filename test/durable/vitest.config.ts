import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Durable broadcasts inside workerd: the fixture imports `roomkit`, the tests `roomkit/testing` and `roomkit/durable`.
const src = new URL("../../src/", import.meta.url).pathname;

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: new URL("./fixtures/wrangler.toml", import.meta.url).pathname } })],
  resolve: {
    alias: [
      { find: /^roomkit$/, replacement: `${src}index.ts` },
      { find: /^roomkit\/(testing|durable|streams)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: { name: "durable", include: ["**/*.test.ts"], root: new URL(".", import.meta.url).pathname },
});
