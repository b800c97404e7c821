/**
 * Dependencies that declare a `wrangler` peer range roomkit's wrangler does
 * not satisfy (Remix 2's `@remix-run/dev` wants wrangler ^3): adding wrangler 4
 * next to them makes `npm install` fail with ERESOLVE, so import overrides
 * that peer (package.json `overrides`) and says so.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Known peers, for projects imported before `npm install` (no node_modules to read). */
const KNOWN_WRANGLER_PEERS: Record<string, string> = {
  "@remix-run/dev": "^3.28.2",
};

/** One dependency whose wrangler peer range excludes wrangler `major`. */
export type PeerConflict = { name: string; range: string };

/**
 * The project's direct dependencies whose `wrangler` peer range does not allow `major`.
 * Reads `node_modules/<dep>/package.json` where installed, else a short list of known packages.
 *
 * @example
 * ```ts
 * wranglerPeerConflicts("/app", ["@remix-run/dev", "react"], 4); // [{ name: "@remix-run/dev", range: "^3.28.2" }]
 * ```
 */
export function wranglerPeerConflicts(root: string, dependencies: readonly string[], major: number): PeerConflict[] {
  const out: PeerConflict[] = [];
  for (const name of dependencies) {
    const range = installedPeerRange(root, name) ?? KNOWN_WRANGLER_PEERS[name];
    if (range !== undefined && !allowsMajor(range, major)) out.push({ name, range });
  }
  return out;
}

function installedPeerRange(root: string, name: string): string | undefined {
  const file = path.join(root, "node_modules", name, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { peerDependencies?: Record<string, string> };
    return pkg.peerDependencies?.wrangler;
  } catch {
    return undefined;
  }
}

/**
 * Whether a semver range admits some version of `major` (each `||` alternative by its bounds, or its caret/tilde/x form).
 *
 * @example
 * ```ts
 * allowsMajor("^3.28.2", 4); // false
 * allowsMajor(">=3 <5", 4);  // true
 * ```
 */
export function allowsMajor(range: string, major: number): boolean {
  return range.split("||").some((alt) => {
    const a = alt.trim();
    if (a === "" || a === "*" || a === "x" || a === "latest") return true;
    const parts = a.split(/\s+/);
    const lower = parts.find((p) => /^>=?/.test(p));
    const upper = parts.find((p) => /^<=?/.test(p));
    const num = (p: string) => Number(/(\d+)/.exec(p)?.[1]);
    if (lower || upper) {
      const lo = lower ? num(lower) : 0;
      const hi = upper ? num(upper) - (/^<\d+(\.0)*(\.0)*$/.test(upper.replace(/\s/g, "")) ? 1 : 0) : Infinity;
      return lo <= major && major <= hi;
    }
    return num(a) === major;
  });
}
