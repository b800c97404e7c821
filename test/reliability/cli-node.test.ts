// The built `roomkit` CLI starts on the oldest Node.js its `engines` admit, and on an older one
// says so in one line instead of crashing on an import. Older releases are simulated in this
// Node (node-versions/simulate.mjs): the version they report and the APIs they lack, removed both
// from the module objects and from the named exports an `import { … } from "node:…"` links against.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MIN_NODE_VERSION } from "../../cli/node-version.js";
import { repoRoot } from "../support/wrangler-dev.js";

const run = promisify(execFile);
const simulate = path.join(import.meta.dirname, "node-versions/simulate.mjs");
let out: string;
let bin: string;
let createBin: string;

beforeAll(async () => {
  // The CLI as it ships: tsc's output of cli/tsconfig.json, inside the repo so its packages resolve.
  out = mkdtempSync(path.join(repoRoot, "node_modules/.cache-cli-node-"));
  await run(process.execPath, [
    path.join(repoRoot, "node_modules/typescript/bin/tsc"),
    "-p",
    path.join(repoRoot, "cli/tsconfig.json"),
    "--outDir",
    out,
    "--declaration",
    "false",
  ]);
  bin = path.join(out, "cli/bin.js");
  // create-roomkit as npm installs it: its bin beside a roomkit-cli package whose dist is that output.
  const cliPackage = path.join(out, "node_modules/roomkit-cli");
  mkdirSync(cliPackage, { recursive: true });
  copyFileSync(path.join(repoRoot, "cli/package.json"), path.join(cliPackage, "package.json"));
  symlinkSync(out, path.join(cliPackage, "dist"), "dir");
  mkdirSync(path.join(out, "create-roomkit"));
  createBin = path.join(out, "create-roomkit/index.js");
  copyFileSync(path.join(repoRoot, "cli/create-roomkit/index.js"), createBin);
}, 180_000);
afterAll(() => out && rmSync(out, { recursive: true, force: true }));

async function roomkit(nodeVersion: string, args: string[], script = bin) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", simulate, script, ...args], {
      env: { ...process.env, SIMULATE_NODE: nodeVersion, NO_COLOR: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

it("every package's engines field admits exactly the Node.js versions the CLI supports", () => {
  for (const manifest of ["package.json", "cli/package.json", "cli/create-roomkit/package.json"]) {
    const { engines } = JSON.parse(readFileSync(path.join(repoRoot, manifest), "utf8")) as { engines: { node: string } };
    expect(engines.node, manifest).toBe(`>=${MIN_NODE_VERSION.replace(/\.0$/, "")}`);
  }
});

it(`starts and runs a command on Node.js ${MIN_NODE_VERSION}'s feature set`, async () => {
  const help = await roomkit(MIN_NODE_VERSION, ["--help"]);
  expect(help.stderr).toBe("");
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/create[\s\S]*dev[\s\S]*check[\s\S]*deploy[\s\S]*import/);
  // check parses the config and analyses the entry's exports: most of the CLI's modules at work.
  const check = await roomkit(MIN_NODE_VERSION, ["check", "-c", path.join(import.meta.dirname, "fixtures/wrangler.toml")]);
  expect(check.code, check.stdout + check.stderr).toBe(0);
});

it("on a Node.js older than that, exits 1 with a one-line reason instead of an import error", async () => {
  const old = await roomkit("20.11.1", ["--help"]);
  expect(old.code).toBe(1);
  expect(old.stdout).toBe("");
  expect(old.stderr).toBe(`error: roomkit needs Node.js ${MIN_NODE_VERSION} or newer; this is 20.11.1.\n`);
});

it("npm create roomkit: the same one-line refusal on an older Node.js, and it runs on the oldest supported one", async () => {
  const old = await roomkit("20.11.1", ["--help"], createBin);
  expect(old.code).toBe(1);
  expect(old.stdout).toBe("");
  expect(old.stderr).toBe(`error: roomkit needs Node.js ${MIN_NODE_VERSION} or newer; this is 20.11.1.\n`);
  const help = await roomkit(MIN_NODE_VERSION, ["--help"], createBin);
  expect(help.stderr).toBe("");
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/--template/);
});
