/**
 * Watches a set of files through their directories (fs.watch: the OS tells us,
 * nothing is polled while the user is not typing), and reports a burst of
 * changes once.
 * @module
 */
import { type FSWatcher, watch } from "node:fs";
import path from "node:path";

/**
 * The source files in an esbuild metafile's `inputs` (paths relative to `root`, the
 * build's working directory), without esbuild's virtual modules (`namespace:path`).
 *
 * @example
 * ```ts
 * watchFiles(sourceFiles(result.metafile.inputs, root), rebuild);
 * ```
 */
export function sourceFiles(inputs: Record<string, unknown>, root: string): string[] {
  return Object.keys(inputs)
    .filter((f) => !/^[a-z-]+:/.test(f))
    .map((f) => path.resolve(root, f));
}

/** Changes closer together than this are one change (an editor's save is often several writes). */
const SETTLE_MS = 50;

/** A set of watched files; `update` replaces the set (after a rebuild found new imports). */
export type FileWatch = { update(files: Iterable<string>): void; close(): void };

/** Watched directory trees; `update` replaces the set. */
export type TreeWatch = { update(dirs: Iterable<string>): void; close(): void };

/**
 * One fs.watch per directory of `dirs`, kept in step with the set `update` is
 * given; `accept` sees each event's directory and file name. A burst of
 * events the filter accepts calls `onChange` once, after it settles.
 */
function watchDirectories(recursive: boolean, accept: (dir: string, name: string | null) => boolean, onChange: () => void) {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const update = (dirs: ReadonlySet<string>) => {
    for (const [dir, w] of watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false, recursive }, (_event, name) => {
          if (!accept(dir, name === null ? null : String(name))) return;
          clearTimeout(timer);
          timer = setTimeout(onChange, SETTLE_MS);
        });
        w.on("error", () => watchers.delete(dir));
        watchers.set(dir, w);
      } catch {
        // A directory that is gone (or not there yet) is not watched: there is nothing in it to serve,
        // and a rebuild that needs it fails and says so.
      }
    }
  };
  return {
    update,
    close() {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

/**
 * Calls `onChange` after any of `files` is written, created, renamed or removed.
 * Files under node_modules are not watched (a dependency changes with an install, and wrangler's restart).
 *
 * @example
 * ```ts
 * const w = watchFiles([...bundle.inputs, configFile], () => void rebuild());
 * // after the rebuild: w.update(newBundle.inputs.concat(configFile));
 * w.close();
 * ```
 */
export function watchFiles(files: Iterable<string>, onChange: () => void): FileWatch {
  let wanted = new Set<string>();
  const dirs = watchDirectories(false, (dir, name) => name === null || wanted.has(path.join(dir, name)), onChange);
  const update = (next: Iterable<string>) => {
    wanted = new Set([...next].filter((f) => !f.split(path.sep).includes("node_modules")));
    dirs.update(new Set([...wanted].map((f) => path.dirname(f))));
  };
  update(files);
  return { update, close: dirs.close };
}

/**
 * Calls `onChange` after anything under one of `dirs` changes (the assets
 * directory, a `[build] watch_dir`). A directory that does not exist is skipped.
 *
 * @example
 * ```ts
 * const w = watchTrees(["public"], () => void reloadAssets());
 * w.close();
 * ```
 */
export function watchTrees(dirs: Iterable<string>, onChange: () => void): TreeWatch {
  const trees = watchDirectories(true, () => true, onChange);
  const update = (next: Iterable<string>) => trees.update(new Set(next));
  update(dirs);
  return { update, close: trees.close };
}
