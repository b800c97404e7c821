#!/usr/bin/env node
// `npm create roomkit@latest [dir] -- [options]` runs this: the scaffolder
// itself lives in roomkit-cli (the templates in roomkit), so the command, the
// templates and the library ship and version together.
import { runCreate } from "roomkit-cli";

process.exitCode = await runCreate(process.argv.slice(2));
