// Serving one of templates/* with `wrangler dev` from the repo, the way a scaffolded
// project runs under `roomkit dev`: its browser client bundled into public/client.js,
// and its imports of `roomkit` and `roomkit/<entry>` pointed at this repo's sources
// (a scaffolded project gets them from npm).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { repoRoot } from "./wrangler-dev.js";

/** A template of the repo and the `roomkit/…` entries its server and client import. */
export type Template = { dir: string; entries: string[] };

/** `templates/<name>`, importing `roomkit` and the given `roomkit/…` entries (e.g. `"roomkit/yjs"`). */
export function template(name: string, entries: string[] = []): Template {
  return { dir: path.join(repoRoot, "templates", name), entries: ["roomkit", ...entries] };
}

const source = (entry: string) => path.join(repoRoot, "src", entry === "roomkit" ? "index.ts" : `${entry.slice("roomkit/".length)}/index.ts`);

/** Bundles client/index.ts into public/client.js (what `roomkit dev` does before starting wrangler). */
export async function buildClient(t: Template): Promise<void> {
  await esbuild.build({
    entryPoints: [path.join(t.dir, "client/index.ts")],
    outfile: path.join(t.dir, "public/client.js"),
    bundle: true,
    format: "esm",
    sourcemap: true,
    logLevel: "error",
    alias: Object.fromEntries(t.entries.map((e) => [e, source(e)])),
  });
}

/**
 * The template's wrangler.toml with absolute paths and an `[alias]` table for its
 * roomkit entries, in a temp directory so wrangler's scratch files stay out of the
 * template. (`wrangler dev --alias` is parsed but not applied by wrangler 4.86,
 * hence the config table.)
 */
export function devConfig(t: Template): { cwd: string; args: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), `roomkit-${path.basename(t.dir)}-`));
  const toml = readFileSync(path.join(t.dir, "wrangler.toml"), "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(t.dir, "src/index.ts"))}`)
    .replace(/^directory = .*$/m, `directory = ${JSON.stringify(path.join(t.dir, "public"))}`);
  const alias = `\n[alias]\n${t.entries.map((e) => `${JSON.stringify(e)} = ${JSON.stringify(source(e))}`).join("\n")}\n`;
  writeFileSync(path.join(dir, "wrangler.toml"), toml + alias);
  return { cwd: dir, args: ["--config", path.join(dir, "wrangler.toml")] };
}
