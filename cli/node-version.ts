/**
 * The oldest Node.js the CLI runs on, checked before anything that needs it is loaded.
 *
 * 20.12.0 is where `node:util` gained `styleText`, which the CLI's output and
 * @clack/prompts (its prompts) import by name: on an older Node the import
 * itself fails with a SyntaxError before any command runs. The `engines` field
 * of roomkit, roomkit-cli and create-roomkit says the same (test/reliability/cli-node.test.ts).
 * @module
 */

/** The oldest Node.js version the CLI supports. */
export const MIN_NODE_VERSION = "20.12.0";

/**
 * Why this Node.js cannot run the CLI, or `undefined` if it can.
 *
 * @example
 * const problem = nodeVersionProblem(process.versions.node);
 * if (problem) console.error(`error: ${problem}`); // "roomkit needs Node.js 20.12.0 or newer; this is 20.11.1."
 */
export function nodeVersionProblem(version: string): string | undefined {
  const have = version.replace(/^v/, "").split(".").map(Number);
  const need = MIN_NODE_VERSION.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    if ((have[i] ?? 0) !== need[i]) {
      return (have[i] ?? 0) > need[i]! ? undefined : `roomkit needs Node.js ${MIN_NODE_VERSION} or newer; this is ${version.replace(/^v/, "")}.`;
    }
  }
  return undefined;
}

/**
 * Whether this Node.js can run the CLI; when it cannot, prints the one-line
 * reason and sets exit code 1. Call it first in a bin, then load the CLI with
 * a dynamic `import()`.
 *
 * @example
 * if (checkNodeVersion()) {
 *   const { runCli } = await import("./main.js");
 *   process.exitCode = await runCli(process.argv.slice(2));
 * }
 */
export function checkNodeVersion(): boolean {
  const problem = nodeVersionProblem(process.versions.node);
  if (!problem) return true;
  process.stderr.write(`error: ${problem}\n`);
  process.exitCode = 1;
  return false;
}
