/**
 * `roomkit-cli`: the command line as functions, for `create-roomkit` and for
 * tools that want to run roomkit commands in-process.
 * @module
 */
export { runCli, runCreate } from "./main.js";
export { processIo, type Io } from "./io.js";
export { ExitCode } from "./errors.js";
