import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The counter template's own workerd tests, run from the repo: its imports of
// `roomkit` and `roomkit/testing` point at this repo's sources (a scaffolded
// project gets them from the installed package instead).
const template = new URL("../../templates/counter/", import.meta.url).pathname;
const src = new URL("../../src/", import.meta.url).pathname;

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: `${template}wrangler.toml` } })],
  resolve: {
    alias: [
      { find: /^roomkit$/, replacement: `${src}index.ts` },
      { find: /^roomkit\/testing$/, replacement: `${src}testing/index.ts` },
    ],
  },
  test: { name: "counter-template", root: template, include: ["test/**/*.test.ts"] },
});
