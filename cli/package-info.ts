/**
 * Where the CLI's packages are installed. roomkit-cli (this code) carries the
 * tools; roomkit (the library users' Workers import) carries the templates,
 * and its version is what new projects depend on. Both are versioned together.
 * @module
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findPackageDir } from "./runtime.js";

/** The nearest directory above `from` whose package.json is named `name`, or undefined. */
function enclosingPackage(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string }).name === name) return dir;
    } catch {
      // no package.json here, or not JSON: keep looking
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The roomkit package root: the installed `roomkit` next to roomkit-cli, or —
 * running from the roomkit repository, where cli/ sits inside it — the repo.
 *
 * @example
 * ```ts
 * path.join(packageRoot(), "templates"); // .../node_modules/roomkit/templates
 * ```
 */
export function packageRoot(): string {
  const installed = findPackageDir("roomkit", enclosingPackage(here, "roomkit-cli") ?? here);
  const root = installed ?? enclosingPackage(here, "roomkit");
  if (!root) throw new Error("cannot find the roomkit package (roomkit-cli needs it installed next to it)");
  return root;
}

/**
 * roomkit's version: what new and imported projects depend on, for roomkit and roomkit-cli alike.
 *
 * @example
 * ```ts
 * ownVersion(); // "0.1.0"
 * ```
 */
export function ownVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}
