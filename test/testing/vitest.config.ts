import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// roomkit/testing, tested as a user's project uses it: the fixture imports
// `roomkit`, `roomkit/yjs` and `roomkit/game`, the tests `roomkit/testing`
// (aliased to this repo's sources).
const src = new URL("../../src/", import.meta.url).pathname;

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: new URL("./fixtures/wrangler.toml", import.meta.url).pathname } })],
  resolve: {
    alias: [
      { find: /^roomkit$/, replacement: `${src}index.ts` },
      { find: /^roomkit\/(testing|yjs|game)$/, replacement: `${src}$1/index.ts` },
      { find: /^roomkit\/game\/client$/, replacement: `${src}game/client/index.ts` },
    ],
  },
  test: { name: "testing", include: ["**/*.test.ts"], root: new URL(".", import.meta.url).pathname },
});
