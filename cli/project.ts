/**
 * A roomkit project on disk: its wrangler config and package.json.
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { failure } from "./errors.js";
import { findConfig, isRecord, readConfig, type WranglerConfig } from "./wrangler-config.js";

export type Project = {
  root: string;
  config: WranglerConfig;
  /** package.json, if there is one. */
  pkg?: Record<string, unknown>;
};

/** Loads the project in `cwd` (or the one `configPath` points at). */
export async function loadProject(cwd: string, configPath?: string): Promise<Project> {
  const config = await readConfig(findConfig(cwd, configPath));
  const root = config.dir;
  const pkgFile = path.join(root, "package.json");
  let pkg: Record<string, unknown> | undefined;
  if (existsSync(pkgFile)) {
    try {
      const parsed: unknown = JSON.parse(await readFile(pkgFile, "utf8"));
      if (isRecord(parsed)) pkg = parsed;
    } catch (e) {
      throw failure(`package.json in ${root} is not valid JSON: ${(e as Error).message}`);
    }
  }
  return { root, config, pkg };
}
