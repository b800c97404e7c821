import { defineConfig } from "vitest/config";

// Each area of the suite is a project with its own runtime: workerd projects
// (core, yjs, game) bring their own wrangler fixture; node projects drive the
// CLI, real `wrangler dev` processes and Chromium.
export default defineConfig({
  test: {
    projects: ["test/*/vitest.config.ts"],
  },
});
