// `roomkit dev` serving the Worker itself: one workerd that clients reach directly
// (no wrangler dev proxy), with wrangler's config, bundle and state layout.
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseDirectArgs } from "../../cli/dev/args.js";
import { firstError, oneLine } from "../../cli/dev/worker-build.js";
import { DevRun, jsonClient, workerdDescendants } from "./dev-server.js";
import { freePort } from "../support/wrangler-dev.js";
import { counterProject, projectWith, repoRoot, roomkit, tempDir } from "./support.js";

const running: DevRun[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});
async function start(...args: Parameters<typeof DevRun.start>): Promise<DevRun> {
  const run = await DevRun.start(...args);
  running.push(run);
  return run;
}

describe("roomkit dev (direct)", () => {
  it("serves rooms, assets and the client from one workerd, with one line per request and connection", async () => {
    const dir = counterProject({ buildable: true });
    const dev = await start(dir);
    // The one runtime: wrangler dev would run a second workerd (its proxy) in front of it.
    expect(workerdDescendants()).toHaveLength(1);

    const room = `direct-${Date.now()}`;
    const ws = `ws://127.0.0.1:${dev.port}/parties/main/${room}`;
    const a = await jsonClient(ws);
    expect(await a.next()).toEqual({ count: 0, online: 1 });
    a.ws.send("increment");
    expect(await a.next()).toEqual({ count: 1 });
    expect(await (await fetch(`${dev.url}/parties/main/${room}`)).json()).toMatchObject({ count: 1, online: 1 });
    // The assets directory, with the client roomkit dev bundled into it.
    expect(await (await fetch(`${dev.url}/`)).text()).toContain('<script type="module" src="/client.js">');
    expect((await fetch(`${dev.url}/client.js`)).status).toBe(200);
    // Bad input gets roomkit's answer, not a stack trace.
    const bad = await fetch(`${dev.url}/party/%ZZ`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toMatch(/\n\s+at /);

    await a.close();
    await dev.waitFor(new RegExp(`⇄ connect  main/${room}`));
    await dev.waitFor(new RegExp(`GET +/parties/main/${room}  200 OK \\(\\d+ms\\)`));
    await dev.waitFor(/GET +\/party\/%ZZ {2}400 Bad Request/);
    // Rooms report a closing connection when ROOMKIT_DEV_LOG is set, as under wrangler dev.
    await dev.waitFor(new RegExp(`⇄ close    main/${room} \\S+ \\(1000 normal\\)`));
    expect(dev.output).toMatch(/^roomkit dev ready on http:\/\/127\.0\.0\.1:\d+ · state in .* · client client\/index\.ts → public\/client\.js/m);
    expect(dev.output).not.toContain("[wrangler:info]");

    // The client is rebuilt when its source changes, and the new bundle is what the page gets.
    const clientFile = path.join(dir, "client/index.ts");
    writeFileSync(clientFile, `${readFileSync(clientFile, "utf8")}\nconsole.log("rebuilt-marker");\n`);
    await dev.waitFor(/client rebuilt \(client\/index\.ts → public\/client\.js\)/);
    await expect.poll(async () => (await fetch(`${dev.url}/client.js`)).text(), { timeout: 15_000 }).toContain("rebuilt-marker");
    expect(await dev.close()).toBeUndefined();
    // Stopped means stopped: no workerd left behind.
    expect(workerdDescendants()).toEqual([]);
  });

  it("keeps state where wrangler dev keeps it: it survives a restart and wrangler dev (--wrangler) reads it", async () => {
    const dir = counterProject({ buildable: true });
    const persistTo = tempDir("roomkit-state-");
    const room = "kept";
    let dev = await start(dir, { persistTo, client: false });
    const a = await jsonClient(`ws://127.0.0.1:${dev.port}/parties/main/${room}`);
    await a.next();
    for (let i = 0; i < 3; i++) a.ws.send("increment");
    for (let i = 1; i <= 3; i++) expect(await a.next()).toEqual({ count: i });
    await a.close();
    await dev.close();
    expect(existsSync(path.join(persistTo, "v3", "do"))).toBe(true);

    dev = await start(dir, { persistTo, client: false });
    expect(await (await fetch(`${dev.url}/parties/main/${room}`)).json()).toMatchObject({ count: 3 });
    await dev.close();

    dev = await start(dir, { persistTo, client: false, wrangler: true });
    // --wrangler really is wrangler dev: its proxy workerd and the Worker's.
    expect(workerdDescendants()).toHaveLength(2);
    expect(await (await fetch(`${dev.url}/parties/main/${room}`)).json()).toMatchObject({ count: 3 });
  });

  it("runs wrangler dev, and says so, for a wrangler flag it does not serve itself", async () => {
    const dev = await start(counterProject({ buildable: true }), { client: false, args: ["--log-level", "info"] });
    expect(dev.output).toContain("serving through wrangler dev (for --log-level info)");
    expect(workerdDescendants()).toHaveLength(2);
    expect((await fetch(`${dev.url}/parties/main/x`)).status).toBe(200);
  });

  it("rebuilds the Worker when a source file changes; a broken save is reported and the last good Worker keeps serving", async () => {
    const dir = counterProject({ buildable: true });
    const dev = await start(dir, { client: false });
    const source = path.join(dir, "src/counter.ts");
    const original = readFileSync(source, "utf8");
    const ask = async () => {
      const c = await jsonClient(`ws://127.0.0.1:${dev.port}/parties/main/r`);
      await c.next();
      c.ws.send("hello");
      const reply = await c.next();
      await c.close();
      return reply;
    };
    expect(await ask()).toEqual({ error: 'Send "increment" or "reset".' });

    writeFileSync(source, original.replace('Send "increment" or "reset".', "edited while running"));
    await dev.waitFor(/worker rebuilt/);
    expect(await ask()).toEqual({ error: "edited while running" });

    writeFileSync(source, `${original}\nimport "./missing-module";\n`);
    await dev.waitFor(/error: worker build failed: src\/counter\.ts:\d+:\d+: Could not resolve "\.\/missing-module"/);
    expect(await ask()).toEqual({ error: "edited while running" });

    writeFileSync(source, original);
    await dev.waitFor(/worker rebuilt[\s\S]*worker rebuilt/);
    expect(await ask()).toEqual({ error: 'Send "increment" or "reset".' });
  });

  it("serves a file added to the assets directory while it runs", async () => {
    const dir = counterProject({ buildable: true });
    const dev = await start(dir, { client: false });
    expect((await fetch(`${dev.url}/added.txt`)).status).toBe(404);
    writeFileSync(path.join(dir, "public/added.txt"), "new asset");
    // Miniflare serves only the files its asset manifest lists: the manifest is rebuilt on change.
    await expect.poll(async () => (await fetch(`${dev.url}/added.txt`)).status, { timeout: 15_000 }).toBe(200);
    expect(await (await fetch(`${dev.url}/added.txt`)).text()).toBe("new asset");
  });

  it("gives the Worker [vars], .dev.vars and --var, as wrangler dev does", async () => {
    const dir = projectWith({
      "wrangler.toml": 'name = "vars"\nmain = "src/index.js"\ncompatibility_date = "2026-04-01"\n\n[vars]\nFROM_TOML = "toml"\nOVERRIDDEN = "toml"\n',
      ".dev.vars": "FROM_DEV_VARS=secret\nOVERRIDDEN=dev-vars\n",
      "src/index.js": "export default { fetch: (req, env) => Response.json(env) };\n",
      "package.json": JSON.stringify({ name: "vars", private: true, type: "module" }),
    });
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    const dev = await start(dir, { args: ["--var", "FROM_CLI:cli"] });
    expect(await (await fetch(dev.url)).json()).toEqual({
      FROM_TOML: "toml",
      OVERRIDDEN: "dev-vars",
      FROM_DEV_VARS: "secret",
      FROM_CLI: "cli",
      ROOMKIT_DEV_LOG: "1",
    });
  });
});

describe("roomkit dev (direct) failing", () => {
  /** `roomkit dev` as a user runs it; it exits on its own when it cannot serve. */
  const run = async (dir: string) =>
    roomkit(dir, [
      "dev",
      "--port",
      String(await freePort()),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      tempDir(),
      "--no-client",
      "--inspector-port",
      String(await freePort()),
    ]);

  it("says in one line what stops the first build, and exits 1", async () => {
    const dir = counterProject({ buildable: true });
    writeFileSync(path.join(dir, "src/index.ts"), `${readFileSync(path.join(dir, "src/index.ts"), "utf8")}\nimport "./nowhere";\n`);
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: worker build failed: src\/index\.ts:\d+:7: Could not resolve "\.\/nowhere"\n$/);
  });

  it("says in one line what is wrong with the config, and exits 1", async () => {
    const dir = counterProject({ buildable: true });
    writeFileSync(path.join(dir, "wrangler.toml"), `${readFileSync(path.join(dir, "wrangler.toml"), "utf8")}\n[[kv_namespaces]]\nbinding = 3\n`);
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Processing \S*wrangler\.toml configuration: "kv_namespaces\[0\]" bindings should have a string "binding" field but got \{"binding":3\}\.\n$/,
    );
  });

  it("reads the wrangler flags it serves itself, and leaves every other flag to wrangler dev", () => {
    expect(parseDirectArgs(["--inspector-port", "9230", "--var", "A:1", "B:x:y", "--env=staging", "--local", "--define", "X:2"])).toEqual({
      parsed: { inspectorPort: 9230, env: "staging", vars: { A: "1", B: "x:y" }, buildArgs: ["--define", "X:2"] },
      unsupported: [],
    });
    expect(parseDirectArgs(["--remote", "--log-level", "debug"]).unsupported).toEqual(["--remote", "--log-level", "debug"]);
    expect(() => parseDirectArgs(["--inspector-port", "nine"])).toThrow("--inspector-port nine: expected a port number between 1 and 65535");
    expect(() => parseDirectArgs(["--var", "NOVALUE"])).toThrow("--var NOVALUE: expected KEY:VALUE");
  });

  it("turns wrangler's multi-line errors into one line", () => {
    const build = [
      "\u001b[31m✘ \u001b[41;31m[\u001b[41;97mERROR\u001b[41;31m]\u001b[0m \u001b[1mBuild failed with 1 error:\u001b[0m",
      "",
      '  ✘ [ERROR] Could not resolve "./nope"',
      "",
      "      src/bad.ts:1:18:",
      '        1 │ import { x } from "./nope";',
      "",
      '🪵  Logs were written to "/root/.config/.wrangler/logs/wrangler.log"',
    ].join("\n");
    expect(firstError(build)).toBe('src/bad.ts:1:18: Could not resolve "./nope"');
    expect(
      oneLine(
        'Processing bad.toml configuration:\n\n    - "durable_objects.bindings[0]": {"name":3}\n      - binding should have a string "name" field.\n      - binding should have a string "class_name" field.',
      ),
    ).toBe('Processing bad.toml configuration: binding should have a string "name" field. binding should have a string "class_name" field.');
  });
});
