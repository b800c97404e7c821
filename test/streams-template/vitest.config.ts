import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The streams template's own workerd tests, run from the repo: its imports of
// `roomkit` and `roomkit/streams` point at this repo's sources (a scaffolded
// project gets them from the installed package instead).
const template = new URL("../../templates/streams/", import.meta.url).pathname;
const src = new URL("../../src/", import.meta.url).pathname;

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: `${template}wrangler.toml` } })],
  resolve: {
    alias: [
      { find: /^roomkit$/, replacement: `${src}index.ts` },
      { find: /^roomkit\/streams$/, replacement: `${src}streams/index.ts` },
    ],
  },
  test: { name: "streams-template", root: template, include: ["test/**/*.test.ts"] },
});
