// roomkit create / create-roomkit: templates, names, prompts, refusals.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { PINNED_RUNTIME_DATE, earliest, today } from "../../cli/runtime.js";
import { repoRoot, roomkit, snapshot, tempDir } from "./support.js";

const version = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version as string;

/** A templates directory holding only a copy of the counter (plus whatever `extra` adds). */
function templatesWithCounter(extra?: (counter: string) => void): string {
  const root = tempDir("roomkit-templates-");
  cpSync(path.join(repoRoot, "templates/counter"), path.join(root, "counter"), { recursive: true, filter: (s) => !/node_modules|\.wrangler/.test(s) });
  extra?.(path.join(root, "counter"));
  return root;
}

const create = (cwd: string, args: string[], templatesDir?: string, env?: NodeJS.ProcessEnv) => roomkit(cwd, ["create", ...args], { templatesDir, env });

describe("roomkit create", () => {
  it("copies the counter template with the project's name, today's (supported) date and roomkit's version", async () => {
    const cwd = tempDir();
    const r = await create(cwd, ["my-app", "--template", "counter", "--no-install", "--no-git"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`created my-app from the counter template in ${path.join(cwd, "my-app")}`);
    expect(r.stdout).toContain("  cd my-app\n  npm install\n  npm run dev");
    const dir = path.join(cwd, "my-app");
    expect(Object.keys(snapshot(dir)).sort()).toEqual(
      [
        ".gitignore",
        "README.md",
        "client/index.ts",
        "client/tsconfig.json",
        "package.json",
        "public/index.html",
        "src/counter.ts",
        "src/index.ts",
        "test/counter.test.ts",
        "test/env.d.ts",
        "tsconfig.json",
        "vitest.config.ts",
        "wrangler.toml",
      ].map((p) => path.normalize(p)),
    );
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(pkg.name).toBe("my-app");
    expect(pkg.dependencies.roomkit).toBe(`^${version}`);
    // The roomkit command comes from roomkit-cli, a devDependency of the same version.
    expect(pkg.devDependencies["roomkit-cli"]).toBe(`^${version}`);
    expect(pkg.dependencies["roomkit-cli"]).toBeUndefined();
    expect(pkg.scripts).toMatchObject({ dev: "roomkit dev", deploy: "roomkit deploy", test: "vitest run" });
    const toml = readFileSync(path.join(dir, "wrangler.toml"), "utf8");
    expect(toml).toContain('name = "my-app"\n');
    expect(toml).toContain(`compatibility_date = "${earliest(today(), PINNED_RUNTIME_DATE)}"\n`);
    // Comments of the template survive.
    expect(toml).toContain("# Each party is a Durable Object class");
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toMatch(/^# my-app\n/);
    expect(existsSync(path.join(dir, ".git"))).toBe(false);
    expect((await roomkit(dir, ["check"])).code).toBe(0);
  });

  it("never copies dependencies, local state, secrets or build output; restores gitignore", async () => {
    const templates = templatesWithCounter((counter) => {
      for (const junk of ["node_modules/x/index.js", ".wrangler/state/db", ".dev.vars", "public/client.js", "public/client.js.map", "package-lock.json"]) {
        mkdirSync(path.dirname(path.join(counter, junk)), { recursive: true });
        writeFileSync(path.join(counter, junk), "junk");
      }
      rmSync(path.join(counter, ".gitignore"));
      writeFileSync(path.join(counter, "gitignore"), "node_modules/\n# from the template\n");
    });
    const cwd = tempDir();
    const r = await create(cwd, ["app", "-t", "counter", "--no-install", "--no-git"], templates);
    expect(r.code, r.stderr).toBe(0);
    const files = Object.keys(snapshot(path.join(cwd, "app")));
    for (const junk of ["node_modules", ".wrangler", ".dev.vars", "public/client.js", "package-lock.json", "gitignore"]) {
      expect(
        files.some((f) => f === junk || f.startsWith(junk + "/")),
        junk,
      ).toBe(false);
    }
    expect(readFileSync(path.join(cwd, "app/.gitignore"), "utf8")).toContain("# from the template");
  });

  it("creates into '.' when the current directory is empty, named after it", async () => {
    const cwd = path.join(tempDir(), "dot-app");
    mkdirSync(cwd);
    const r = await create(cwd, [".", "--no-install", "--no-git"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(cwd, "package.json"), "utf8")).name).toBe("dot-app");
  });

  it("lists templates that are still being written and refuses them cleanly", async () => {
    const templates = templatesWithCounter();
    for (const name of ["yjs-editor", "game"]) {
      const cwd = tempDir();
      const r = await create(cwd, ["app", "--template", name, "--no-install", "--no-git"], templates);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`error: template "${name}" is not available yet: its directory does not exist yet`);
      expect(snapshot(cwd)).toEqual({});
    }
  });

  it("refuses an incomplete template, naming what is missing", async () => {
    const templates = templatesWithCounter();
    const game = path.join(templates, "game");
    mkdirSync(game);
    writeFileSync(path.join(game, "package.json"), "{}");
    let r = await create(tempDir(), ["app", "-t", "game", "--no-install", "--no-git"], templates);
    expect(r.stderr.trim()).toBe('error: template "game" is not available yet: README.md is missing');
    expect(r.code).toBe(1);

    // A complete-looking template whose config and code disagree is refused too.
    rmSync(game, { recursive: true });
    cpSync(path.join(templates, "counter"), game, { recursive: true });
    writeFileSync(
      path.join(game, "wrangler.toml"),
      readFileSync(path.join(game, "wrangler.toml"), "utf8").replace('class_name = "Main"', 'class_name = "Mian"'),
    );
    r = await create(tempDir(), ["app", "-t", "game", "--no-install", "--no-git"], templates);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^error: template "game" is not available yet: it fails roomkit check: wrangler\.toml: binding "MAIN" uses class_name "Mian"/,
    );

    rmSync(path.join(game, "test"), { recursive: true });
    r = await create(tempDir(), ["app", "-t", "game", "--no-install", "--no-git"], templates);
    expect(r.stderr.trim()).toBe('error: template "game" is not available yet: test/ has no *.test.ts');
  });

  it("rejects invalid project names with a usage error", async () => {
    for (const [dir, reason] of [
      ["My_App", '"My_App" may only contain lowercase letters, digits and "-" (it becomes the npm package and Worker name)'],
      ["app-", '"app-" must not start or end with "-"'],
      ["a".repeat(64), `"${"a".repeat(64)}" is longer than 63 characters (the Worker name limit)`],
    ]) {
      const cwd = tempDir();
      const r = await create(cwd, [dir!, "--no-install", "--no-git"]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`error: invalid project name: ${reason}`);
      expect(snapshot(cwd)).toEqual({});
    }
  });

  it("never writes into a non-empty directory", async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, "taken"));
    writeFileSync(path.join(cwd, "taken/notes.txt"), "keep me");
    const r = await create(cwd, ["taken", "--no-install", "--no-git"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("error: taken already exists and is not empty: pick a new directory (roomkit never overwrites files)");
    expect(snapshot(cwd)).toEqual({ [path.normalize("taken/notes.txt")]: "keep me" });
  });

  it("rejects an unknown template and a missing directory with usage errors", async () => {
    const unknown = await create(tempDir(), ["app", "--template", "chat"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      "error: option '-t, --template <name>' argument 'chat' is invalid. Allowed choices are counter, yjs-editor, game, streams. (see roomkit --help)",
    );
    const noDir = await create(tempDir(), ["--template", "counter"]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr.trim()).toBe("error: missing the project directory: roomkit create <dir> --template counter (prompts appear only in a terminal)");
  });

  it("reports a failed install in one line and keeps the complete project", async () => {
    const cwd = tempDir();
    // pnpm ran us (user agent) but cannot be found: the install step fails.
    const r = await create(cwd, ["app", "--no-git"], undefined, { npm_config_user_agent: "pnpm/9.0.0 node/v20", PATH: path.join(cwd, "empty-path") });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("installing dependencies with pnpm install…");
    expect(r.stderr.trim().split("\n").at(-1)).toBe("error: pnpm install failed (pnpm not found); the project itself is complete: run pnpm install in app");
    expect(existsSync(path.join(cwd, "app/wrangler.toml"))).toBe(true);
  });

  it("asks for name, template, install and git in a terminal", async () => {
    const cwd = tempDir();
    const stdin = new PassThrough();
    // Answer each prompt once it is on screen.
    mkdirSync(path.join(cwd, "taken"));
    writeFileSync(path.join(cwd, "taken/file"), "");
    const answers: [string, string][] = [
      ["Where should the project go?", "taken\r"],
      // A non-empty directory is refused at the prompt: erase and type another name.
      ["taken is not empty: pick a new directory", "\x7f".repeat(5) + "my-app\r"],
      ["Which template?", "\r"],
      ["Install dependencies with npm?", "n"],
      ["Initialise a git repository?", "y"],
    ];
    let seen = 0;
    const r = await roomkit(cwd, ["create"], {
      interactive: true,
      stdin,
      templatesDir: templatesWithCounter(),
      onOutput: (text) => {
        while (seen < answers.length && text.includes(answers[seen]![0])) {
          const answer = answers[seen++]![1];
          setImmediate(() => stdin.write(answer));
        }
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("game (not available yet)");
    expect(r.stdout).toContain("created my-app from the counter template");
    expect(r.stdout).toContain("  npm install\n");
    expect(existsSync(path.join(cwd, "my-app/.git"))).toBe(true);
    expect(existsSync(path.join(cwd, "my-app/node_modules"))).toBe(false);
  });

  it("Ctrl-C at a prompt cancels without creating anything", async () => {
    const cwd = tempDir();
    const stdin = new PassThrough();
    let sent = false;
    const r = await roomkit(cwd, ["create"], {
      interactive: true,
      stdin,
      onOutput: (text) => {
        if (!sent && text.includes("Where should the project go?")) {
          sent = true;
          setImmediate(() => stdin.write("\x03"));
        }
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("error: cancelled: nothing was created");
    expect(snapshot(cwd)).toEqual({});
  });

  it("--yes skips every prompt even in a terminal", async () => {
    const cwd = tempDir();
    const r = await roomkit(cwd, ["create", "quick", "--yes", "--no-install", "--no-git"], { interactive: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("Which template?");
  });
});

describe("create-roomkit (npm create roomkit)", () => {
  it("takes the same flags and speaks as npm create", async () => {
    const cwd = tempDir();
    const ok = await roomkit(cwd, ["my-app", "--template", "counter", "--no-install", "--no-git"], { entry: "create-roomkit" });
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(path.join(cwd, "my-app/wrangler.toml"))).toBe(true);
    const missing = await roomkit(cwd, ["--template", "counter"], { entry: "create-roomkit" });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      "error: missing the project directory: npm create roomkit@latest <dir> --template counter (prompts appear only in a terminal)",
    );
    const unknown = await roomkit(cwd, ["x", "--bogus"], { entry: "create-roomkit" });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("error: unknown option '--bogus' (see --help)");
    const help = await roomkit(cwd, ["--help"], { entry: "create-roomkit" });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("npm create roomkit@latest [dir] -- [options]");
  });
});
