// Installs packed roomkit tarballs into a throwaway project without the network.
//
// `npm install --offline` of a project without a lockfile needs every
// dependency's packument (registry metadata) in the npm cache, and `npm exec`
// even the *full* packument. A cache filled by `npm install`/`npm ci` from this
// repo's lockfile holds the tarballs but not those documents (that is why
// @clack/prompts was "not cached" here while esbuild, whose full packument some
// earlier `npm view` had stored, was). So the project gets a lockfile seeded
// from the repo's own: npm then takes each dependency's resolved URL and
// integrity from it and reads the tarball straight from the cache, and prunes
// what the project does not use. The tarballs themselves are `file:` specs.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./support.js";

type Manifest = { name?: string; version?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

/**
 * Points `dir`'s package.json at local tarballs (`deps` → dependencies,
 * `devDeps` → devDependencies, name → tarball path) and writes a
 * package-lock.json seeded from the repo's, so `npm install --offline` works
 * from a cache that `npm ci` filled.
 *
 * @example
 * ```ts
 * useTarballs(app, { roomkit: "/tmp/packs/roomkit-0.1.0.tgz" }, { "roomkit-cli": "/tmp/packs/roomkit-cli-0.1.0.tgz" });
 * await ok("npm", ["install", "--offline"], app);
 * ```
 */
export function useTarballs(dir: string, deps: Record<string, string>, devDeps: Record<string, string> = {}): void {
  const pkgFile = path.join(dir, "package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as Manifest;
  const file = (specs: Record<string, string>) => Object.fromEntries(Object.entries(specs).map(([name, tgz]) => [name, `file:${tgz}`]));
  pkg.dependencies = { ...pkg.dependencies, ...file(deps) };
  if (Object.keys(devDeps).length) pkg.devDependencies = { ...pkg.devDependencies, ...file(devDeps) };
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + "\n");

  const repoLock = JSON.parse(readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, unknown> };
  const packages: Record<string, unknown> = {
    "": { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies, devDependencies: pkg.devDependencies },
  };
  for (const [at, entry] of Object.entries(repoLock.packages)) if (at.startsWith("node_modules/")) packages[at] = entry;
  writeFileSync(
    path.join(dir, "package-lock.json"),
    JSON.stringify({ name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages }, null, 2) + "\n",
  );
}
