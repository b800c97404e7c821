#!/usr/bin/env node
// `npm create roomkit@latest [dir] -- [options]` runs this: the scaffolder
// itself lives in roomkit-cli (the templates in roomkit), so the command, the
// templates and the library ship and version together. The Node.js check is
// imported on its own first: on a Node.js without `styleText` the scaffolder's
// imports would fail with a SyntaxError before it could explain why.
import { checkNodeVersion } from "roomkit-cli/node-version";

if (checkNodeVersion()) {
  const { runCreate } = await import("roomkit-cli");
  process.exitCode = await runCreate(process.argv.slice(2));
}
