// The package arrangement: roomkit (what users' Workers import) depends only on
// what runs in a Worker; the CLI and its tools are roomkit-cli, which every
// template takes as a devDependency. The e2e test proves the installed result
// (npm ls --omit=dev of a scaffolded project); this one pins the manifests.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./support.js";

type Manifest = {
  name: string;
  version: string;
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const manifest = (rel: string) => JSON.parse(readFileSync(path.join(repoRoot, rel), "utf8")) as Manifest;

const roomkit = manifest("package.json");
const cli = manifest("cli/package.json");
const CLI_TOOLS = ["@babel/parser", "@clack/prompts", "commander", "esbuild", "jsonc-parser", "smol-toml"];

describe("package arrangement", () => {
  it("roomkit depends only on what runs in a Worker or browser; yjs and workers-types are optional peers", () => {
    expect(Object.keys(roomkit.dependencies ?? {}).sort()).toEqual(["lib0", "partysocket"]);
    expect(roomkit.bin).toBeUndefined();
    expect(roomkit.exports?.["./cli"]).toBeUndefined();
    expect(roomkit.files).not.toContain("cli");
    expect(roomkit.peerDependencies?.yjs).toBeDefined();
    expect(roomkit.peerDependenciesMeta?.yjs?.optional).toBe(true);
    expect(roomkit.peerDependenciesMeta?.["@cloudflare/workers-types"]?.optional).toBe(true);
    expect(roomkit.peerDependencies?.wrangler).toBeUndefined();
  });

  it("roomkit-cli has the roomkit bin and the tools, at the versions the repo tests with", () => {
    expect(cli.name).toBe("roomkit-cli");
    expect(cli.version).toBe(roomkit.version);
    expect(cli.bin).toEqual({ roomkit: "dist/cli/bin.js" });
    expect(cli.dependencies?.roomkit).toBe(`^${roomkit.version}`);
    for (const tool of CLI_TOOLS) expect(cli.dependencies?.[tool], tool).toBe(roomkit.devDependencies?.[tool]);
  });

  it("create-roomkit runs roomkit-cli", () => {
    const create = manifest("cli/create-roomkit/package.json");
    expect(create.dependencies).toEqual({ "roomkit-cli": `^${cli.version}` });
    expect(readFileSync(path.join(repoRoot, "cli/create-roomkit/index.js"), "utf8")).toContain('import("roomkit-cli")');
    // The bin checks the Node.js version through this subpath before loading the scaffolder.
    expect(cli.exports?.["./node-version"]).toEqual({ types: "./dist/cli/node-version.d.ts", import: "./dist/cli/node-version.js" });
  });

  it("every template takes roomkit at runtime and roomkit-cli as a devDependency", () => {
    const templates = readdirSync(path.join(repoRoot, "templates"));
    expect(templates.length).toBeGreaterThan(0);
    for (const t of templates) {
      const pkg = manifest(`templates/${t}/package.json`);
      expect(pkg.dependencies?.roomkit, t).toBe(`^${roomkit.version}`);
      expect(pkg.devDependencies?.["roomkit-cli"], t).toBe(`^${roomkit.version}`);
      for (const tool of [...CLI_TOOLS, "roomkit-cli", "wrangler"]) expect(pkg.dependencies?.[tool], `${t}: ${tool}`).toBeUndefined();
    }
  });
});
