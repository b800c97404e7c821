// roomkit import on PartyKit project shapes (test/cli/fixtures/partykit):
// what is converted, what is listed by name, and every refusal.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { fixtures, projectWith, roomkit, snapshot, tempDir } from "./support.js";

const partykit = (name: string) => path.join(fixtures, "partykit", name);
const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");

async function importInto(fixture: string) {
  const out = path.join(tempDir(), "out");
  const r = await roomkit(tempDir(), ["import", partykit(fixture), "--out", out]);
  return { ...r, out };
}

/** Some files of `dir`, as projectWith() takes them. */
function snapshotOf(dir: string, files: string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, read(dir, f)]));
}

/** The "Not converted" section, one name per entry. */
function notConverted(stdout: string): string[] {
  const section = stdout.split(/Not converted \(\d+\): handle these yourself\n/)[1] ?? "";
  return section
    .split("\n")
    .filter((l) => l.startsWith("  - "))
    .map((l) => l.slice(4).split(": ")[0]!);
}

describe("roomkit import", () => {
  it("converts the TypeScript starter: entry, wrangler.toml, client build, type imports", async () => {
    const r = await importInto("ts-starter");
    expect(r.code, r.stderr).toBe(0);
    const { out } = r;
    expect(read(out, "src/worker.ts")).toContain(
      'import MainServer from "./server";\n\nexport const Main = party(MainServer);\n\nexport default createWorker({ main: Main });',
    );
    const toml = parse(read(out, "wrangler.toml")) as Record<string, any>;
    expect(toml).toMatchObject({
      name: "ts-starter",
      main: "src/worker.ts",
      compatibility_flags: ["nodejs_compat"],
      // The binding room.context.assets and lobby.assets read.
      assets: { directory: "./public", binding: "ASSETS" },
      durable_objects: { bindings: [{ name: "MAIN", class_name: "Main" }] },
      migrations: [{ tag: "v1", new_sqlite_classes: ["Main"] }],
    });
    const pkg = JSON.parse(read(out, "package.json"));
    expect(pkg.scripts).toEqual({ dev: "roomkit dev", deploy: "roomkit deploy", check: "roomkit check" });
    expect(pkg.dependencies.roomkit).toMatch(/^\^\d/);
    expect(pkg.devDependencies.wrangler).toBe("^4.86.0");
    expect(pkg.devDependencies["roomkit-cli"]).toBe(pkg.dependencies.roomkit);
    // As PartyKit built it: ESM, split into chunks, into <serve.path>/dist.
    expect(pkg.roomkit.client).toEqual({ entry: "src/client.ts", outdir: "public/dist", define: { PARTYKIT_HOST: "location.host" }, splitting: true });
    expect(read(out, "src/server.ts").split("\n")[0]).toBe(
      'import type { Party, PartyConnection, PartyConnectionContext, PartyServer, PartyWorker } from "roomkit";',
    );
    // The client is untouched (partysocket works with roomkit as is).
    expect(read(out, "src/client.ts")).toBe(read(partykit("ts-starter"), "src/client.ts"));
    // PartyKit's deprecated type names are aliases in roomkit: kept, and said so.
    expect(r.stdout).toContain(
      "  src/server.ts: PartyKit's deprecated types PartyConnection, PartyConnectionContext, PartyServer, PartyWorker kept (roomkit has them as deprecated aliases;",
    );
    expect(notConverted(r.stdout)).toEqual([]);
    expect(r.stdout).toContain("compatibilityDate 2023-11-15 → ");
    expect((await roomkit(out, ["check"])).code).toBe(0);
  });

  it("converts several parties and lists Workers AI use by file and line", async () => {
    const r = await importInto("chat-room");
    expect(r.code, r.stderr).toBe(0);
    expect(read(r.out, "party/worker.ts")).toContain("export default createWorker({ main: Main, counter: Counter });");
    const toml = parse(read(r.out, "wrangler.toml")) as Record<string, any>;
    expect(toml.durable_objects.bindings).toEqual([
      { name: "MAIN", class_name: "Main" },
      { name: "COUNTER", class_name: "Counter" },
    ]);
    expect(toml.migrations).toEqual([{ tag: "v1", new_sqlite_classes: ["Main", "Counter"] }]);
    expect(r.stdout).toContain('  - ai: party/server.ts:19: Workers AI: add [ai] binding = "AI" to wrangler.toml and use env.AI');
    // No package.json before: one is created with the scripts.
    expect(JSON.parse(read(r.out, "package.json")).scripts.dev).toBe("roomkit dev");
  });

  it("converts a single-page app with a build command and array vars", async () => {
    const r = await importInto("cursor-party");
    expect(r.code, r.stderr).toBe(0);
    const toml = parse(read(r.out, "wrangler.toml")) as Record<string, any>;
    expect(toml.vars).toEqual({ WEBSITES: ["https://example.com/*"] });
    expect(toml.build).toEqual({ command: "esbuild src/embed.ts --bundle --minify --outfile=public/embed.js" });
    expect(toml.assets).toEqual({
      directory: "./public",
      binding: "ASSETS",
      not_found_handling: "single-page-application",
      run_worker_first: ["/parties/*", "/party/*"],
    });
    expect(notConverted(r.stdout)).toEqual([]);
  });

  it("converts a project without a static client", async () => {
    const r = await importInto("partypoll");
    expect(r.code, r.stderr).toBe(0);
    const toml = parse(read(r.out, "wrangler.toml")) as Record<string, any>;
    expect(toml.assets).toBeUndefined();
    expect(toml.name).toBe("partypolls");
    expect(read(r.out, "party/worker.ts")).toContain("export default createWorker({ main: Main, polls: Polls });");
    expect((await roomkit(r.out, ["check"])).code).toBe(0);
  });

  it("lists every PartyKit-only setting by name, converting the ones Workers has", async () => {
    const r = await importInto("kitchen-sink");
    expect(r.code, r.stderr).toBe(0);
    expect(notConverted(r.stdout)).toEqual([
      "team",
      "domain",
      "ai",
      "crons.hourly",
      "crons.nightly",
      "vectorize.docs",
      "bindings.r2.UPLOADS",
      "bindings.kv.CACHE",
      "tailConsumers",
      "analytics",
      "logpush",
      "preview",
      "bindings (r2/kv)",
      "onCron",
    ]);
    const toml = parse(read(r.out, "wrangler.toml")) as Record<string, any>;
    expect(toml).toMatchObject({
      name: "kitchen-sink",
      minify: true,
      compatibility_flags: ["nodejs_compat", "streams_enable_constructors"],
      dev: { port: 3000 },
      define: { BUILD_ID: '"abc"' },
      placement: { mode: "smart" },
      observability: { enabled: true, head_sampling_rate: 0.5 },
    });
    expect(JSON.parse(read(r.out, "package.json")).scripts.dev).toBe('roomkit dev --port 3000 --persist-to ".partykit/state"');
  });

  it("wires an object-syntax server with party() like a class", async () => {
    const r = await importInto("object-syntax");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("  object-syntax server (main): wired with party() like a class\n");
    expect(read(r.out, "src/worker.js")).toContain('import MainServer from "./server.js";\n\nexport const Main = party(MainServer);');
    expect(notConverted(r.stdout)).toEqual([]);
    expect((await roomkit(r.out, ["check"])).code).toBe(0);
  });

  it("rewrites every script that runs partykit, keeping the rest, and keeps per-script values as flags", async () => {
    const dir = projectWith({
      "partykit.json": '{ "main": "src/server.ts", "vars": { "MODE": "base" } }',
      "src/server.ts": "export default class S {}\n",
      "package.json": JSON.stringify({
        name: "scripts-demo",
        scripts: {
          start: "partykit dev -p 4000 --var MODE=dev --define DEBUG=true",
          deploy: "npm run build && npx partykit deploy --var MODE=prod --define DEBUG=true --preview staging",
          remove: "partykit delete -f",
          logs: "npx partykit@latest tail",
          secrets: "partykit env add API_KEY",
          projects: "partykit list",
          both: 'concurrently "partykit dev" "tsc -w"',
        },
      }),
    });
    const r = await roomkit(path.dirname(dir), ["import", "app"]);
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(read(dir, "package.json"));
    expect(pkg.scripts).toEqual({
      start: "roomkit dev --port 4000 --var MODE:dev",
      deploy: "npm run build && roomkit deploy --var MODE:prod",
      remove: "wrangler delete",
      logs: "wrangler tail",
      secrets: "wrangler secret put API_KEY",
      projects: "partykit list",
      both: 'concurrently "roomkit dev" "tsc -w"',
      dev: "roomkit dev",
      check: "roomkit check",
    });
    // Values every script agrees on are the project's; partykit.json's stay under the ones that differ.
    const toml = parse(read(dir, "wrangler.toml")) as Record<string, any>;
    expect(toml.vars).toEqual({ MODE: "base" });
    expect(toml.define.DEBUG).toBe("true");
    expect(r.stdout).toContain(
      '  scripts.deploy: "npm run build && npx partykit deploy --var MODE=prod --define DEBUG=true --preview staging" → "npm run build && roomkit deploy --var MODE:prod"\n',
    );
    expect(notConverted(r.stdout)).toEqual(["scripts.deploy --preview staging", "scripts.remove -f", "scripts.projects"]);
    expect(r.stdout).toContain("  - scripts.projects: partykit list has no roomkit equivalent (it talks to PartyKit's platform): remove it or use wrangler\n");
  });

  it("exits non-zero listing every party that cannot start, writing nothing", async () => {
    const dir = projectWith({
      "partykit.json": '{ "main": "src/server.ts", "parties": { "chat": "src/chat.ts", "ok": "src/ok.ts" } }',
      "src/server.ts": "export default (req: Request) => new Response('hi');\n",
      "src/chat.ts": "export const handlers = { onConnect() {} };\n",
      "src/ok.ts": "export default { onConnect() {} };\n",
    });
    const before = snapshot(dir);
    const r = await roomkit(path.dirname(dir), ["import", "app"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")).toEqual([
      "error: app cannot run as converted (2 blockers); fix them in the PartyKit project and import again:",
      `  - party "main": the default export of src/server.ts (src/server.ts:1) is an arrow function; PartyKit and roomkit serve a class (export default class ... implements Party.Server) or an object of handlers (export default { onConnect(conn, room) {} })`,
      `  - party "chat": the default export of src/chat.ts (src/chat.ts:1) is missing: src/chat.ts has no default export; PartyKit and roomkit serve a class (export default class ... implements Party.Server) or an object of handlers (export default { onConnect(conn, room) {} })`,
      "error: nothing was written: the converted project would not start",
      "",
    ]);
    expect(snapshot(dir)).toEqual(before);
  });

  it("watches a build's inputs when it writes into src/, and says what to set when the inputs are unknown", async () => {
    const known = projectWith({
      "partykit.json": '{ "main": "src/server.ts", "build": { "command": "asc assembly/fib.ts --outFile src/fib.wasm --optimize" } }',
      "src/server.ts": "export default class S {}\n",
      "assembly/fib.ts": "",
    });
    expect((await roomkit(path.dirname(known), ["import", "app"])).code).toBe(0);
    expect((parse(read(known, "wrangler.toml")) as Record<string, any>).build).toEqual({
      command: "asc assembly/fib.ts --outFile src/fib.wasm --optimize",
      watch_dir: ["assembly/fib.ts"],
    });
    const unknown = projectWith({
      "partykit.json": '{ "main": "src/server.ts", "build": { "command": "make wasm -o src/fib.wasm" } }',
      "src/server.ts": "export default class S {}\n",
    });
    const r = await roomkit(path.dirname(unknown), ["import", "app"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '  - build.command: the build command writes src/fib.wasm inside src/, which wrangler dev watches: every build would start another. Set [build] watch_dir in wrangler.toml to the files or directories the command reads (not src/fib.wasm), e.g. watch_dir = ["assembly"]\n',
    );
  });

  it("overrides a wrangler peer range that excludes wrangler 4, read from node_modules when installed", async () => {
    const dir = projectWith({
      "partykit.json": '{ "main": "src/server.ts" }',
      "src/server.ts": "export default class S {}\n",
      "package.json": JSON.stringify({ name: "peers", dependencies: { "old-tool": "^1.0.0", "new-tool": "^1.0.0", "any-tool": "^1.0.0" } }),
      "node_modules/old-tool/package.json": JSON.stringify({ name: "old-tool", peerDependencies: { wrangler: "^3.0.0 || ^2.0.0" } }),
      "node_modules/new-tool/package.json": JSON.stringify({ name: "new-tool", peerDependencies: { wrangler: ">=3.50.0 <5" } }),
      "node_modules/any-tool/package.json": JSON.stringify({ name: "any-tool", peerDependencies: { wrangler: "*" } }),
    });
    const r = await roomkit(path.dirname(dir), ["import", "app"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(read(dir, "package.json")).overrides).toEqual({ "old-tool": { wrangler: "$wrangler" } });
    // --out copies the project without node_modules: the installed ones are still read.
    const copy = await roomkit(tempDir(), [
      "import",
      projectWith({
        ...snapshotOf(dir, ["partykit.json", "src/server.ts", "node_modules/old-tool/package.json"]),
        "package.json": JSON.stringify({ name: "peers", dependencies: { "old-tool": "^1.0.0" } }),
      }),
      "--out",
      path.join(tempDir(), "out"),
    ]);
    expect(copy.stdout).toContain("  package.json overrides: old-tool asks for wrangler ^3.0.0 || ^2.0.0 as a peer;");
    expect(r.stdout).toContain(
      "  package.json overrides: old-tool asks for wrangler ^3.0.0 || ^2.0.0 as a peer; roomkit needs wrangler 4, so its peer follows the project's wrangler (without this npm install fails with ERESOLVE)\n",
    );
  });

  it("converts in place, then refuses to run twice", async () => {
    const dir = path.join(tempDir(), "proj");
    cpSync(partykit("partypoll"), dir, { recursive: true });
    const first = await roomkit(path.dirname(dir), ["import", "proj"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("Next: cd proj && npm install && npm run dev");
    expect(read(dir, "party/polls.ts")).toContain('from "roomkit"');
    const before = snapshot(dir);
    const second = await roomkit(path.dirname(dir), ["import", "proj"]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe(
      "error: proj already has wrangler.toml: it was imported already (or is a Workers project); roomkit import never overwrites it",
    );
    expect(snapshot(dir)).toEqual(before);
  });

  describe("refuses bad input with one line, writing nothing", () => {
    async function refused(files: Record<string, string>, message: string, code = 1, extra: string[] = []) {
      const dir = projectWith(files);
      const before = snapshot(dir);
      const r = await roomkit(path.dirname(dir), ["import", "app", ...extra]);
      expect(r.stderr.trim()).toBe(`error: ${message}`);
      expect(r.code).toBe(code);
      expect(snapshot(dir)).toEqual(before);
    }

    it("malformed partykit.json", () =>
      refused({ "partykit.json": '{\n  "name": "x",\n  "main" "src/server.ts"\n}\n' }, "partykit.json:3:10: invalid JSON: ColonExpected"));
    it("no main", () =>
      refused({ "partykit.json": '{ "name": "x" }' }, 'partykit.json: "main" is missing: it names the server file, e.g. "main": "src/server.ts"'));
    it("main file missing", () => refused({ "partykit.json": '{ "main": "src/server.ts" }' }, "partykit.json: main file src/server.ts does not exist"));
    it("parties of the wrong type", () =>
      refused({ "partykit.json": '{ "main": "s.ts", "parties": ["a"] }', "s.ts": "" }, 'partykit.json: "parties" must be an object of strings'));
    it("a party file missing", () =>
      refused(
        { "partykit.json": '{ "main": "s.ts", "parties": { "chat": "chat.ts" } }', "s.ts": "" },
        'partykit.json: party "chat" file chat.ts does not exist',
      ));
    it("an invalid party name", () =>
      refused(
        { "partykit.json": '{ "main": "s.ts", "parties": { "a b": "s.ts" } }', "s.ts": "" },
        'partykit.json: party name "a b" must be letters, digits, "-" or "_"',
      ));
    it("no partykit.json", async () => {
      const dir = projectWith({ "README.md": "" });
      const r = await roomkit(path.dirname(dir), ["import", "app"]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`error: no partykit.json in ${dir}: roomkit import converts PartyKit projects`);
    });
    it("a missing directory", async () => {
      const r = await roomkit(tempDir(), ["import", "nope"]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe("error: nope: no such directory");
    });
    it("an invalid --name", () =>
      refused(
        { "partykit.json": '{ "main": "s.ts" }', "s.ts": "" },
        '--name: "Bad Name" may only contain lowercase letters, digits and "-" (it becomes the npm package and Worker name)',
        2,
        ["--name", "Bad Name"],
      ));
    it("--out inside the project", () =>
      refused(
        { "partykit.json": '{ "main": "s.ts" }', "s.ts": "export default class S {}\n" },
        "--out app/converted is inside the project being imported: pick a directory outside it",
        2,
        ["--out", "app/converted"],
      ));
    it("a non-empty --out", async () => {
      const target = path.join(tempDir(), "taken");
      mkdirSync(target);
      writeFileSync(path.join(target, "keep.txt"), "mine");
      const r = await roomkit(tempDir(), ["import", partykit("partypoll"), "--out", target]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`error: ${target} already exists and is not empty: pick a new directory (roomkit never overwrites files)`);
      expect(snapshot(target)).toEqual({ "keep.txt": "mine" });
    });
    it("leaves no staging directory behind when --out fails", async () => {
      const parent = tempDir();
      const src = projectWith({ "partykit.json": '{ "main": "s.ts" }', "s.ts": "export default class S {}\n", "worker.ts": "", "roomkit-worker.ts": "" });
      const r = await roomkit(parent, ["import", src, "--out", "converted"]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe("error: both worker.ts and roomkit-worker.ts already exist next to s.ts");
      expect(existsSync(path.join(parent, "converted"))).toBe(false);
      expect(snapshot(parent)).toEqual({});
    });
  });
});
