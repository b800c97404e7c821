/**
 * Project-relative paths as messages and generated files write them: always
 * "/"-separated, whatever the OS.
 * @module
 */
import path from "node:path";

/**
 * `to` relative to `from`, "/"-separated.
 *
 * @example
 * ```ts
 * relPosix("/app/src", "/app/party/chat.ts"); // "../party/chat.ts"
 * ```
 */
export function relPosix(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join("/");
}

/**
 * `file` relative to the project `root`, for messages (the file's own name if it is the root).
 *
 * @example
 * ```ts
 * rel("/app", "/app/src/index.ts"); // "src/index.ts"
 * ```
 */
export function rel(root: string, file: string): string {
  return relPosix(root, file) || path.basename(file);
}
