#!/usr/bin/env node
// `npm create roomkit@latest [dir] -- [options]` runs this: the scaffolder
// itself lives in roomkit, so templates and CLI ship (and version) together.
import { runCreate } from "roomkit/cli";

process.exitCode = await runCreate(process.argv.slice(2));
