/**
 * Finds and runs the project's own wrangler (never a global one), so the
 * version in package.json is the one that runs.
 * @module
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { failure } from "./errors.js";
import type { Io } from "./io.js";
import { findPackageDir } from "./runtime.js";

/** Path of wrangler's JS entry for the project in `projectDir` (falling back to the one next to roomkit). */
export function wranglerBin(projectDir: string): string {
  const candidates = [findPackageDir("wrangler", projectDir), findPackageDir("wrangler", path.dirname(fileURLToPath(import.meta.url)))];
  for (const dir of candidates) {
    const bin = dir && path.join(dir, "bin", "wrangler.js");
    if (bin && existsSync(bin)) return bin;
  }
  throw failure(`wrangler is not installed in ${projectDir}: run npm install --save-dev wrangler@4`);
}

/** Starts wrangler with `args` in `cwd`. */
export function spawnWrangler(projectDir: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [wranglerBin(projectDir), ...args], { cwd: projectDir, ...options });
}

/** Runs wrangler to completion, its output copied to `io`; resolves to its exit code. */
export function runWrangler(projectDir: string, args: string[], io: Pick<Io, "env" | "stdout" | "stderr">): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawnWrangler(projectDir, args, { stdio: ["inherit", "pipe", "pipe"], env: io.env });
    child.stdout!.pipe(io.stdout, { end: false });
    child.stderr!.pipe(io.stderr, { end: false });
    child.once("error", reject);
    child.once("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
