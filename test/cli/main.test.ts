// The command line itself: usage errors exit 2 with one line, roomkit's own
// options are found anywhere among wrangler's.
import { describe, expect, it } from "vitest";
import { splitOwnOptions } from "../../cli/main.js";
import { projectWith, repoRoot, roomkit, tempDir } from "./support.js";
import { readFileSync } from "node:fs";
import path from "node:path";

const version = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version as string;

describe("roomkit (usage)", () => {
  it("prints help and exits 2 without a command", async () => {
    const r = await roomkit(tempDir(), []);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: roomkit [options] [command]");
    for (const command of ["create", "dev", "check", "deploy", "add", "import"]) expect(r.stderr).toContain(`  ${command} `);
  });

  it("prints its version and help with exit 0", async () => {
    expect(await roomkit(tempDir(), ["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = await roomkit(tempDir(), ["help", "dev"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--persist-to <dir>");
  });

  it("rejects unknown commands and options with one line and exit 2", async () => {
    const unknown = await roomkit(tempDir(), ["deplo"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("error: unknown command 'deplo'\n(Did you mean deploy?) (see roomkit --help)".replace("\n", "\n"));
    const option = await roomkit(tempDir(), ["check", "--fast"]);
    expect(option.code).toBe(2);
    expect(option.stderr.trim()).toBe("error: unknown option '--fast' (see roomkit --help)");
  });

  it("validates dev's port before doing anything", async () => {
    for (const port of ["abc", "0", "70000"]) {
      const r = await roomkit(tempDir(), ["dev", "--port", port]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`error: --port ${port}: expected a port number between 1 and 65535`);
    }
    // After an option roomkit does not know (it is wrangler's), roomkit still finds its own.
    const missing = await roomkit(tempDir(), ["dev", "--inspector-port", "9230", "--port"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("error: option '-p, --port <port>' argument missing (see roomkit --help)");
    const first = await roomkit(tempDir(), ["dev", "--port"]);
    expect(first.code).toBe(2);
    expect(first.stderr.trim()).toBe("error: option '-p, --port <port>' argument missing (see roomkit --help)");
  });

  it("dev needs a project", async () => {
    const dir = tempDir();
    const r = await roomkit(dir, ["dev"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: no wrangler.toml, wrangler.json or wrangler.jsonc in ${dir}: run this inside a roomkit project, or pass --config <file>`,
    );
  });

  it("dev refuses a client entry that does not exist", async () => {
    const dir = projectWith({ "wrangler.toml": 'name = "a"\nmain = "src/index.ts"\n' });
    const r = await roomkit(dir, ["dev", "--client", "client/main.ts"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("error: --client client/main.ts: file not found");
  });
});

describe("splitOwnOptions", () => {
  const own = [
    { names: ["-p", "--port"], key: "port", takesValue: true },
    { names: ["--no-client"], key: "client", takesValue: false, negate: true },
    { names: ["--allow-delete"], key: "allowDelete", takesValue: true, repeat: true },
  ];

  it("finds roomkit's options anywhere and leaves the rest, in order, for wrangler", () => {
    expect(splitOwnOptions(["--inspector-port", "9230", "--port", "3000", "--var", "A:1", "--no-client"], own)).toEqual({
      values: { port: "3000", client: false },
      rest: ["--inspector-port", "9230", "--var", "A:1"],
    });
    expect(splitOwnOptions(["--port=4000", "--dry-run"], own)).toEqual({ values: { port: "4000" }, rest: ["--dry-run"] });
    expect(splitOwnOptions(["--allow-delete", "A,B", "--allow-delete=C"], own).values).toEqual({ allowDelete: ["A", "B", "C"] });
  });

  it("passes everything after a bare -- to wrangler untouched", () => {
    expect(splitOwnOptions(["-p", "1", "--", "--port", "2"], own)).toEqual({ values: { port: "1" }, rest: ["--port", "2"] });
  });
});
