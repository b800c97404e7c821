/**
 * File-system helpers that never leave a half-written result: new trees are
 * built in a staging directory and renamed into place, edited files are
 * written to a temporary name and renamed over the original.
 * @module
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { failure } from "./errors.js";
import { relPosix } from "./paths.js";

/** Whether `dir` does not exist or holds nothing (a lone `.git` counts as empty). */
export async function isEmptyOrMissing(dir: string): Promise<boolean> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    return true;
  }
  if (!info.isDirectory()) return false;
  const entries = await readdir(dir);
  return entries.every((e) => e === ".git" || e === ".DS_Store");
}

/** Synchronous {@link isEmptyOrMissing}, for prompt validation. */
export function isEmptyOrMissingSync(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
  } catch {
    return true;
  }
  return readdirSync(dir).every((e) => e === ".git" || e === ".DS_Store");
}

/**
 * Creates directory `target` with the content `fill` writes into a staging
 * directory next to it. Either `target` appears complete, or not at all.
 */
export async function createDirectoryAtomically(target: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const parent = path.dirname(target);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(target)}.roomkit-`));
  try {
    // mkdtemp makes the directory private (0700); the project gets the usual permissions.
    await chmod(staging, 0o777 & ~process.umask());
    await fill(staging);
    if (existsSync(target)) {
      // Only an empty directory can be replaced; `isEmptyOrMissing` was checked by the caller.
      const entries = await readdir(target);
      if (entries.includes(".git")) await rename(path.join(target, ".git"), path.join(staging, ".git"));
      for (const e of entries.filter((e) => e !== ".git")) await rm(path.join(target, e), { force: true });
      await rmdir(target);
    }
    await rename(staging, target);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

/** A file to (over)write. */
export type FileWrite = { path: string; content: string };

/**
 * Writes several files so that none is left truncated: every content is first
 * written next to its destination, and only when all succeeded are they
 * renamed into place.
 */
export async function writeFilesAtomically(files: FileWrite[]): Promise<void> {
  const temps: { temp: string; dest: string }[] = [];
  try {
    for (const f of files) {
      await mkdir(path.dirname(f.path), { recursive: true });
      const temp = `${f.path}.roomkit-${randomBytes(4).toString("hex")}.tmp`;
      temps.push({ temp, dest: f.path });
      await writeFile(temp, f.content);
    }
  } catch (e) {
    await Promise.all(temps.map((t) => rm(t.temp, { force: true })));
    throw failure(`could not write ${path.basename(temps.at(-1)?.dest ?? "")}: ${(e as Error).message}`);
  }
  for (const t of temps) await rename(t.temp, t.dest);
}

/** Copies `src` into `dest` (which must not exist yet), keeping what `keep` accepts (paths relative to `src`, "/"-separated). */
export async function copyTree(src: string, dest: string, keep: (relative: string, isDirectory: boolean) => boolean): Promise<void> {
  await cp(src, dest, {
    recursive: true,
    filter: async (from) => {
      const rel = relPosix(src, from);
      if (rel === "") return true;
      const info = await stat(from);
      return keep(rel, info.isDirectory());
    },
  });
}
