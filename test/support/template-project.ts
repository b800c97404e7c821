// The vitest project that runs one template's own workerd tests from the repo: the
// template's imports of `roomkit` and `roomkit/<entry>` point at this repo's sources
// (a scaffolded project gets them from the installed package instead).
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const src = new URL("../../src/", import.meta.url).pathname;

/** The project `<name>-template` for `templates/<dir>` (dir defaults to name). */
export function templateProject(name: string, dir = name) {
  const template = new URL(`../../templates/${dir}/`, import.meta.url).pathname;
  return defineConfig({
    plugins: [cloudflareTest({ wrangler: { configPath: `${template}wrangler.toml` } })],
    resolve: {
      alias: [
        { find: /^roomkit$/, replacement: `${src}index.ts` },
        { find: /^roomkit\/(.+)$/, replacement: `${src}$1/index.ts` },
      ],
    },
    test: { name: `${name}-template`, root: template, include: ["test/**/*.test.ts"] },
  });
}
