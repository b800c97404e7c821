// End to end, offline, from packed tarballs: what a user gets from
// `npm create roomkit@latest my-app -- --template counter` and `roomkit import`.
// Real npm, real wrangler dev (workerd), real partysocket clients from Node.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import PartySocket from "partysocket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { launchBrowser } from "../support/browser.js";
import { freePort } from "../support/wrangler-dev.js";
import { useTarballs } from "./offline-install.js";
import { fixtures, repoRoot, tempDir } from "./support.js";

/** Environment for child npm processes: none of the outer `npm test`'s settings leak in. */
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
Object.assign(env, {
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  WRANGLER_SEND_METRICS: "false",
  NO_COLOR: "1",
  CI: "1",
});

type Run = { code: number; output: string };

/** Runs a command to completion (bounded), capturing its output. */
function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} timed out:\n${output}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

async function ok(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${r.output}`);
  return r.output;
}

/** `npm run dev` on a free loopback port, in its own process group so it can be stopped with workerd. */
class Dev {
  output = "";
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(cwd: string, persistTo = tempDir("roomkit-state-")): Promise<Dev> {
    const port = await freePort();
    const args = ["run", "dev", "--", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persistTo, "--inspector-port", String(await freePort())];
    const child = spawn("npm", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const dev = new Dev(child, port);
    running.add(dev);
    child.stdout!.on("data", (d) => (dev.output += d));
    child.stderr!.on("data", (d) => (dev.output += d));
    await dev.waitFor(/ready on http:\/\/127\.0\.0\.1:\d+/, 90_000);
    return dev;
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null) throw new Error(`npm run dev exited (${this.child.exitCode}):\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} in npm run dev output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    running.delete(this);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    try {
      process.kill(-this.child.pid!, "SIGTERM");
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
}
const running = new Set<Dev>();

/** A partysocket client from Node with an inbox. */
function client(options: ConstructorParameters<typeof PartySocket>[0]) {
  const socket = new PartySocket({ ...options, WebSocket: WebSocket as never });
  const inbox: string[] = [];
  const waiters: (() => void)[] = [];
  socket.addEventListener("message", (e) => {
    inbox.push(String(e.data));
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (timeoutMs = 15_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (inbox.length === 0) {
      if (Date.now() > deadline) throw new Error("no message from the server");
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return inbox.shift()!;
  };
  return { socket, next, nextJSON: async () => JSON.parse(await next()) as Record<string, unknown> };
}

let work: string;
let app: string;

/** What may run in a user's Worker: none of the CLI's tools is in a new project's production tree. */
const CLI_TOOLS = ["esbuild", "@babel/parser", "commander", "@clack/prompts", "@clack/core", "jsonc-parser", "smol-toml", "wrangler", "roomkit-cli"];

beforeAll(async () => {
  work = tempDir("roomkit-e2e-");
  const packs = path.join(work, "packs");
  mkdirSync(packs);
  // `npm pack` runs `prepare`, i.e. the real build, exactly as `npm publish` would.
  await ok("npm", ["pack", "--pack-destination", packs], repoRoot);
  await ok("npm", ["pack", "--pack-destination", packs, path.join(repoRoot, "cli")], work);
  await ok("npm", ["pack", "--pack-destination", packs, path.join(repoRoot, "cli/create-roomkit")], work);
  const tarball = (name: string) => path.join(packs, readdirSync(packs).find((f) => new RegExp(`^${name}-\\d`).test(f))!);
  const tarballs = { roomkit: tarball("roomkit"), "roomkit-cli": tarball("roomkit-cli"), "create-roomkit": tarball("create-roomkit") };

  // What `npm create roomkit@latest my-app -- --template counter ...` runs: create-roomkit's bin, installed
  // with its dependencies (roomkit-cli, roomkit) as npm exec installs it.
  const runner = path.join(work, "runner");
  mkdirSync(runner);
  writeFileSync(path.join(runner, "package.json"), JSON.stringify({ name: "runner", version: "0.0.0", private: true }));
  useTarballs(runner, tarballs);
  await ok("npm", ["install", "--offline", "--no-audit", "--no-fund"], runner);
  const out = await ok(path.join(runner, "node_modules/.bin/create-roomkit"), ["my-app", "--template", "counter", "--no-install", "--no-git"], work);
  expect(out).toContain("created my-app from the counter template");
  app = path.join(work, "my-app");
  const scaffolded = JSON.parse(readFileSync(path.join(app, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  expect(scaffolded.dependencies).toEqual({ partysocket: expect.any(String), roomkit: "^0.1.0" });
  expect(scaffolded.devDependencies["roomkit-cli"]).toBe("^0.1.0");
  // roomkit is not on the registry: install it from the tarballs, everything else from the npm cache.
  useTarballs(app, { roomkit: tarballs.roomkit }, { "roomkit-cli": tarballs["roomkit-cli"] });
  await ok("npm", ["install", "--offline", "--no-audit", "--no-fund"], app);
}, 300_000);

describe("a scaffolded counter project's dependencies", () => {
  it("has only what runs in the Worker in its production tree: none of the CLI's tools", async () => {
    const ls = await ok("npm", ["ls", "--omit=dev", "--all", "--parseable"], app);
    const installed = ls
      .trim()
      .split("\n")
      .slice(1)
      .map((p) =>
        path
          .relative(app, p)
          .split(path.sep)
          .join("/")
          .replace(/^.*node_modules\//, ""),
      );
    expect(installed).toContain("roomkit");
    expect(installed).toContain("partysocket");
    for (const tool of CLI_TOOLS) expect(installed, ls).not.toContain(tool);
    // The CLI is there for the scripts, as a devDependency.
    const cli = JSON.parse(readFileSync(path.join(app, "node_modules/roomkit-cli/package.json"), "utf8")) as { bin: Record<string, string> };
    expect(cli.bin.roomkit).toBeDefined();
    expect(existsSync(path.join(app, "node_modules/.bin/roomkit"))).toBe(true);
  });
});

afterAll(async () => {
  await Promise.all([...running].map((d) => d.stop()));
});

describe("a scaffolded counter project", () => {
  it("tests, deploys (dry run) and serves a live counter with npm run dev", async () => {
    const wrangler = readFileSync(path.join(app, "wrangler.toml"), "utf8");
    expect(wrangler).toContain('name = "my-app"');
    expect(wrangler).toMatch(/compatibility_date = "\d{4}-\d{2}-\d{2}"/);

    // The template type-checks against the packed roomkit types (server, tests and browser client).
    const typecheck = await run("npm", ["run", "typecheck"], app);
    expect(typecheck.code, typecheck.output).toBe(0);

    const test = await run("npm", ["test"], app);
    expect(test.output, test.output).toMatch(/Tests\s+5 passed/);
    expect(test.code).toBe(0);

    const outdir = path.join(work, "deploy-out");
    const deploy = await run("npm", ["run", "deploy", "--", "--dry-run", "--outdir", outdir], app);
    expect(deploy.code, deploy.output).toBe(0);
    expect(deploy.output).toContain(`dry run: building Worker "my-app" without uploading (bundle in ${outdir})`);
    expect(deploy.output).toContain("--dry-run: exiting now.");
    expect(existsSync(path.join(outdir, "index.js"))).toBe(true);
    expect(existsSync(path.join(app, "public/client.js"))).toBe(true);

    // A second party, added by the CLI, works next to the first.
    const added = await run("npx", ["roomkit", "add", "chat"], app);
    expect(added.code, added.output).toBe(0);

    const state = tempDir("roomkit-state-");
    let dev = await Dev.start(app, state);
    let host = `127.0.0.1:${dev.port}`;
    const room = `e2e-${Date.now()}`;
    const a = client({ host, room });
    expect(await a.nextJSON()).toEqual({ count: 0, online: 1 });
    const b = client({ host, room });
    expect(await b.nextJSON()).toEqual({ count: 0, online: 2 });
    b.socket.send("increment");
    expect(await b.nextJSON()).toEqual({ count: 1 });
    expect(await a.nextJSON()).toEqual({ online: 2 });
    expect(await a.nextJSON()).toEqual({ count: 1 });
    const counted = (await (await fetch(`http://${host}/parties/main/${room}`)).json()) as { count: number };
    expect(counted.count).toBe(1);
    const page = await (await fetch(`http://${host}/`)).text();
    expect(page).toContain('<script type="module" src="/client.js">');

    // Two browser tabs on the page share the count (the template's client, bundled by roomkit dev).
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      const [tab1, tab2] = await Promise.all([context.newPage(), context.newPage()]);
      for (const tab of [tab1, tab2]) {
        await tab.goto(`http://${host}/?room=${room}`);
        await tab.waitForSelector('body[data-status="connected"]');
      }
      await expect.poll(() => tab2.textContent("#count")).toBe("1");
      await tab1.click("#increment");
      await expect.poll(() => tab2.textContent("#count")).toBe("2");
      await tab2.click("#increment");
      await expect.poll(() => tab1.textContent("#count")).toBe("3");
      // Both tabs and both Node clients are in the room.
      await expect.poll(() => tab1.textContent("#online")).toBe("4 online");
    } finally {
      await browser.close();
    }
    const chat = client({ host, room, party: "chat" });
    expect(await chat.nextJSON()).toMatchObject({ type: "welcome", room });

    // One readable line per connection and request.
    await dev.waitFor(new RegExp(`⇄ connect  main/${room}`));
    await dev.waitFor(new RegExp(`⇄ connect  chat/${room}`));
    await dev.waitFor(new RegExp(`GET +/parties/main/${room}  200 OK`));
    expect(dev.output).not.toContain("Request.cf");

    // The client is rebuilt on change.
    const clientFile = path.join(app, "client/index.ts");
    writeFileSync(clientFile, readFileSync(clientFile, "utf8") + '\nconsole.log("rebuilt-marker");\n');
    await dev.waitFor(/client rebuilt \(client\/index\.ts → public\/client\.js\)/);
    expect(readFileSync(path.join(app, "public/client.js"), "utf8")).toContain("rebuilt-marker");

    for (const c of [a, b, chat]) c.socket.close();
    // …and one when a connection leaves (rooms report it; wrangler cannot).
    await dev.waitFor(new RegExp(`⇄ close    chat/${room} \\S+ \\(\\d{4}`));
    await dev.stop();

    // State persists across restarts of roomkit dev.
    dev = await Dev.start(app, state);
    host = `127.0.0.1:${dev.port}`;
    const after = (await (await fetch(`http://${host}/parties/main/${room}`)).json()) as { count: number };
    expect(after.count).toBe(3);
    await dev.stop();
    // typecheck, npm test, a deploy build and two dev servers with a browser: minutes on a busy machine.
  }, 300_000);
});

describe("an imported PartyKit project", () => {
  it("runs with npm run dev and its partysocket clients connect unchanged", async () => {
    const imported = path.join(work, "imported");
    const out = await run("npx", ["roomkit", "import", path.join(fixtures, "partykit/ts-starter"), "--out", imported], app);
    expect(out.code, out.output).toBe(0);
    expect(out.output).toContain("types PartyConnection, PartyConnectionContext, PartyServer, PartyWorker");
    // Same dependencies as the counter app (roomkit from the tarball, wrangler, partysocket).
    symlinkSync(path.join(app, "node_modules"), path.join(imported, "node_modules"), "dir");

    const dev = await Dev.start(imported);
    const host = `127.0.0.1:${dev.port}`;
    // The PartyKit client's defaults: party "main", path /parties/main/<room>.
    const alice = client({ host, room: "lobby", id: "alice" });
    expect(await alice.next()).toBe("welcome to lobby (/parties/main/lobby)");
    const bob = client({ host, room: "lobby", id: "bob" });
    expect(await bob.next()).toBe("welcome to lobby (/parties/main/lobby)");
    bob.socket.send("hello");
    expect(await alice.next()).toBe("bob says hello");

    // The static client is kept and built as PartyKit built it: public/dist/client.js, with PARTYKIT_HOST.
    const bundle = await fetch(`http://${host}/dist/client.js`);
    expect(bundle.status).toBe(200);
    const js = await bundle.text();
    expect(js).toContain("location.host");
    expect(js).not.toContain("PARTYKIT_HOST");
    expect((await fetch(`http://${host}/dist/client.css`)).status).toBe(200);
    expect(await (await fetch(`http://${host}/`)).text()).toContain('<script type="module" src="/dist/client.js">');

    alice.socket.close();
    bob.socket.close();
    await dev.stop();
  });
});
