/**
 * Compatibility dates. A Worker's `compatibility_date` may not be newer than
 * what the local Workers runtime (workerd) supports: `wrangler dev` falls back
 * with a warning, but `@cloudflare/vitest-pool-workers` refuses to start. So
 * "today" is capped at the newest date the project's runtime supports.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Newest compatibility date supported by every Workers runtime the templates'
 * pinned tools bring (wrangler 4.86.0 → workerd 1.20260426.1,
 * @cloudflare/vitest-pool-workers 0.23.0 → newer). Used before the project's
 * dependencies are installed; test/cli verifies it against node_modules.
 */
export const PINNED_RUNTIME_DATE = "2026-04-26";

/** Today as `YYYY-MM-DD` (UTC, like wrangler). */
export function today(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The earliest of several `YYYY-MM-DD` dates (undefined entries ignored). */
export function earliest(...dates: (string | undefined)[]): string | undefined {
  return dates.filter((d): d is string => Boolean(d)).sort()[0];
}

/** The directory of package `name` as Node would find it from `fromDir` (exports maps ignored). */
export function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = path.resolve(fromDir);
  for (;;) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The newest compatibility date a workerd package supports: its version is `1.YYYYMMDD.n`. */
function workerdDate(workerdDir: string | undefined): string | undefined {
  if (!workerdDir) return undefined;
  try {
    const { version } = JSON.parse(readFileSync(path.join(workerdDir, "package.json"), "utf8")) as { version?: string };
    const m = /^1\.(\d{4})(\d{2})(\d{2})\./.exec(version ?? "");
    return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest compatibility date that every runtime installed for the project
 * in `projectDir` supports (wrangler's and the test pool's), or undefined if
 * neither is installed.
 */
export function installedRuntimeDate(projectDir: string): string | undefined {
  const dates: (string | undefined)[] = [];
  const wrangler = findPackageDir("wrangler", projectDir);
  if (wrangler) dates.push(workerdDate(findPackageDir("workerd", wrangler)));
  const pool = findPackageDir("@cloudflare/vitest-pool-workers", projectDir);
  if (pool) {
    const miniflare = findPackageDir("miniflare", pool);
    if (miniflare) dates.push(workerdDate(findPackageDir("workerd", miniflare)));
  }
  return earliest(...dates);
}

/** Today, capped at what the installed (or, before installing, the pinned) runtime supports. */
export function compatibilityDateFor(projectDir: string, now = new Date()): string {
  return earliest(today(now), installedRuntimeDate(projectDir) ?? PINNED_RUNTIME_DATE)!;
}
