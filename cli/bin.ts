#!/usr/bin/env node
// The `roomkit` executable. The Node.js check comes first and the CLI is
// imported only after it: on a Node.js without `styleText` the CLI's own
// imports would fail before any command could explain why.
import { checkNodeVersion } from "./node-version.js";

if (checkNodeVersion()) {
  const { runCli } = await import("./main.js");
  process.exitCode = await runCli(process.argv.slice(2));
}
