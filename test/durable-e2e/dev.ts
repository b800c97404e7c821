// `wrangler dev` over test/durable/fixtures, its `roomkit` import pointed at this repo's sources.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DevServer, repoRoot } from "../support/wrangler-dev.js";

const fixtures = path.join(repoRoot, "test/durable/fixtures");

/** Starts (or restarts, with `persistTo`) the durable fixture worker. */
export async function startFeedServer(options: { persistTo?: string; port?: number } = {}): Promise<DevServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "roomkit-durable-"));
  const toml = readFileSync(path.join(fixtures, "wrangler.toml"), "utf8").replace(/^main = .*$/m, `main = ${JSON.stringify(path.join(fixtures, "worker.ts"))}`);
  const alias = `\n[alias]\n"roomkit" = ${JSON.stringify(path.join(repoRoot, "src/index.ts"))}\n`;
  writeFileSync(path.join(dir, "wrangler.toml"), toml + alias);
  return DevServer.start({ cwd: dir, args: ["--config", path.join(dir, "wrangler.toml")], ...options });
}
