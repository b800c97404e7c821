// Serving templates/game with `wrangler dev`, its `roomkit` imports pointed at
// this repo's sources, and its browser client bundled the way `roomkit dev` does.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { repoRoot } from "../support/wrangler-dev.js";

export const template = path.join(repoRoot, "templates/game");
const src = (p: string) => path.join(repoRoot, "src", p);

/** Bundles client/index.ts into public/client.js (what `roomkit dev` does before starting wrangler). */
export async function buildClient(): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(template, "client/index.ts")],
    outfile: path.join(template, "public/client.js"),
    bundle: true,
    format: "esm",
    sourcemap: true,
    logLevel: "error",
    alias: { "roomkit/game/client": src("game/client/index.ts"), "roomkit/game": src("game/index.ts") },
  });
}

/**
 * The template's wrangler.toml with absolute paths and an `[alias]` table for
 * `roomkit` and `roomkit/game`, in a temp directory so wrangler's scratch files
 * stay out of the template. (`wrangler dev --alias` is parsed but not applied
 * by wrangler 4.86, hence the config table.)
 */
export function devConfig(): { cwd: string; args: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "roomkit-game-"));
  const toml = readFileSync(path.join(template, "wrangler.toml"), "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(template, "src/index.ts"))}`)
    .replace(/^directory = .*$/m, `directory = ${JSON.stringify(path.join(template, "public"))}`);
  const alias = `\n[alias]\n"roomkit" = ${JSON.stringify(src("index.ts"))}\n"roomkit/game" = ${JSON.stringify(src("game/index.ts"))}\n`;
  writeFileSync(path.join(dir, "wrangler.toml"), toml + alias);
  return { cwd: dir, args: ["--config", path.join(dir, "wrangler.toml")] };
}
