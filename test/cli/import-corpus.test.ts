// The import corpus: PartyKit-shaped projects (test/cli/fixtures/partykit-*,
// our own code written from PartyKit's documented APIs) are converted with
// `roomkit import`, started with `roomkit dev` (real wrangler dev, workerd,
// offline) and driven by the clients their users have: partysocket,
// y-partykit's provider, and a binary msgpack client.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { PassThrough, Writable } from "node:stream";
import PartySocket from "partysocket";
import { parse } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import YPartyKitProvider from "y-partykit/provider";
import * as Y from "yjs";
import { dev } from "../../cli/commands/dev.js";
import { Output, type Io } from "../../cli/io.js";
import { freePort } from "../support/wrangler-dev.js";
import { decode, encode, type Value } from "./fixtures/partykit-yjs-msgpack/src/msgpack.js";
import { fixtures, repoRoot, roomkit, tempDir } from "./support.js";

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");

/** Imports fixture `partykit-<name>` into a new directory; the suite's node_modules stand in for `npm install`. */
async function imported(name: string) {
  const dir = path.join(tempDir(), name);
  const r = await roomkit(tempDir(), ["import", path.join(fixtures, `partykit-${name}`), "--out", dir]);
  expect(r.code, r.stderr).toBe(0);
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  // roomkit is not installed from a registry here: its imports resolve to this checkout's source.
  appendFileSync(path.join(dir, "wrangler.toml"), `\n[alias]\nroomkit = ${JSON.stringify(path.join(repoRoot, "src/index.ts"))}\n`);
  return { dir, stdout: r.stdout, toml: parse(read(dir, "wrangler.toml")) as Record<string, any>, pkg: JSON.parse(read(dir, "package.json")) };
}

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** `roomkit dev` in-process with the flags of the project's own dev script, on free loopback ports. */
class Dev {
  private constructor(
    readonly host: string,
    readonly output: Capture,
    private readonly abort: AbortController,
    private readonly done: Promise<unknown>,
  ) {}

  static async start(dir: string, script: string): Promise<Dev> {
    const [runner, command, ...flags] = script.split(" ");
    expect(`${runner} ${command}`).toBe("roomkit dev");
    const port = await freePort();
    const output = new Capture();
    const io: Io = {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdin: new PassThrough(),
      stdout: output,
      stderr: output,
      interactive: false,
      color: false,
    };
    const abort = new AbortController();
    const done = dev(new Output(io), dir, {
      port: String(port),
      ip: "127.0.0.1",
      persistTo: tempDir("roomkit-state-"),
      wranglerArgs: [...flags, "--inspector-port", String(await freePort())],
      signal: abort.signal,
    }).catch((e: Error) => (output.text += `\n[dev failed] ${e.message}`));
    const server = new Dev(`127.0.0.1:${port}`, output, abort, done);
    running.add(server);
    await server.waitFor(/ready on http:\/\/127\.0\.0\.1:\d+/, 90_000);
    return server;
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output.text)) {
      if (this.output.text.includes("[dev failed]") || Date.now() > deadline) throw new Error(`no ${pattern} in roomkit dev output:\n${this.output.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    running.delete(this);
    this.abort.abort();
    await Promise.race([this.done, new Promise((r) => setTimeout(r, 10_000))]);
  }
}
const running = new Set<Dev>();
afterAll(async () => {
  await Promise.all([...running].map((d) => d.stop()));
});

/** Polls `check` (bounded) until it holds. */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A partysocket client from Node with an inbox of its messages. */
function partysocket(options: ConstructorParameters<typeof PartySocket>[0]) {
  const socket = new PartySocket({ ...options, WebSocket: WebSocket as never });
  const inbox: string[] = [];
  socket.addEventListener("message", (e) => inbox.push(String(e.data)));
  const next = async (): Promise<string> => {
    await until(() => inbox.length > 0, `a message on ${options.party ?? "main"}/${options.room}`);
    return inbox.shift()!;
  };
  return { socket, next };
}

describe("roomkit import runs PartyKit projects", () => {
  it("object-syntax servers, vars and defines from partykit.json and the scripts, assets, package-name client entries and loaders", async () => {
    const app = await imported("objects");
    // The scripts ran partykit: rewritten, their --var/--define carried into wrangler.toml.
    expect(app.pkg.scripts).toMatchObject({
      start: "roomkit dev",
      deploy: "npm run typecheck && roomkit deploy",
      typecheck: "tsc --noEmit",
      dev: "roomkit dev",
    });
    expect(app.stdout).toContain('  scripts.start: "partykit dev --live --with-env --var GREETING=hi --define BUILD_NUMBER=42" → "roomkit dev"\n');
    expect(app.stdout).toContain("  - scripts.start --live: live reload is not provided");
    expect(app.toml.vars).toEqual({ FLAG: true, GREETING: "hi" });
    // --with-env made .env variables globals: they read process.env, which wrangler dev fills from .env.
    expect(app.toml.define).toMatchObject({
      PARTYKIT_HOST: '"localhost:1999"',
      BUILD_NUMBER: "42",
      SHARED_LABEL: '"from-config"',
      ENV_TOKEN: "process.env.ENV_TOKEN",
    });
    expect(app.toml.assets).toEqual({ directory: "./public", binding: "ASSETS" });
    expect(app.pkg.roomkit.client).toMatchObject({ entry: ["src/client.ts", "y-protocols/awareness"], loader: { ".woff2": "file" } });

    const server = await Dev.start(app.dir, app.pkg.scripts.dev);
    const { host } = server;
    // Object server with onConnect + listeners (PartyKit's argument order: the room comes last).
    const a = partysocket({ host, room: "r1" });
    expect(await a.next()).toBe("hello r1 hi");
    const b = partysocket({ host, room: "r1" });
    expect(await b.next()).toBe("hello r1 hi");
    a.socket.send("bump");
    expect(await a.next()).toBe("n=1");
    expect(await b.next()).toBe("n=1");
    // Object server with onMessage only (hibernating in PartyKit).
    const t = partysocket({ host, room: "r1", party: "tally", id: "tester" });
    t.socket.send("5");
    expect(await t.next()).toBe("total=5 (from tester)");

    // Defines and vars reach the server bundle.
    const info = await (await fetch(`http://${host}/parties/main/r1`)).json();
    expect(info).toEqual({ host: "localhost:1999", build: 42, label: "from-config", token: "from-dotenv", greeting: "hi", flag: true });
    // room.context.assets and lobby.assets read the static assets.
    const note = await fetch(`http://${host}/parties/main/r1?note`);
    expect([note.status, await note.text()]).toEqual([200, "a note for the rooms\n"]);
    const lobbyAsset = await fetch(`http://${host}/info`);
    expect([lobbyAsset.status, await lobbyAsset.json()]).toEqual([200, { about: "objects-demo" }]);

    // The client build matches PartyKit's output paths: the page's own URLs resolve.
    const js = await fetch(`http://${host}/dist/src/client.js`);
    expect(js.status).toBe(200);
    const bundle = await js.text();
    expect(bundle).toContain("location.host");
    expect(bundle).toMatch(/\(build \$\{42\}\)|\(build 42\)/);
    expect((await fetch(`http://${host}/dist/y-protocols/awareness.js`)).status).toBe(200);
    const css = await (await fetch(`http://${host}/dist/src/client.css`)).text();
    // The font went through the file loader; its URL is relative to the stylesheet.
    const font = /url\("?([^")]*glyph-[^")]*\.woff2)"?\)/.exec(css)?.[1];
    expect(font, css).toBeDefined();
    const fontResponse = await fetch(new URL(font!, `http://${host}/dist/src/client.css`));
    expect(fontResponse.status).toBe(200);
    expect(new Uint8Array(await fontResponse.arrayBuffer())).toEqual(new Uint8Array(readFileSync(path.join(app.dir, "src/glyph.woff2"))));

    for (const c of [a, b, t]) c.socket.close();
    await server.stop();
  }, 180_000);

  it("a JavaScript class server with JSDoc types and a build that writes WebAssembly into src/", async () => {
    const app = await imported("wasm-js");
    expect(read(app.dir, "src/server.js")).toContain(
      "/** @typedef {import(\"roomkit\").Room} Room */\n/** @typedef {import('roomkit').Connection} Connection */",
    );
    expect(read(app.dir, "src/server.js")).not.toContain("partykit/server");
    expect(app.toml.build).toEqual({ command: "node scripts/make-wasm.mjs --outFile src/add.wasm", watch_dir: ["scripts/make-wasm.mjs"] });
    expect(app.pkg.scripts.dev).toBe("roomkit dev");

    const server = await Dev.start(app.dir, app.pkg.scripts.dev);
    const c = partysocket({ host: server.host, room: "sums" });
    expect(await c.next()).toBe("ready in sums");
    c.socket.send("2+3");
    expect(await c.next()).toBe("2+3=5");
    // wrangler dev runs the build at start (twice); one that triggers itself would keep running (about once a second).
    const d = partysocket({ host: server.host, room: "sums" });
    expect(await d.next()).toBe("ready in sums");
    const runs = () => read(app.dir, "build-runs.log").trim().split("\n").length;
    const settled = runs();
    expect(settled).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(runs()).toBe(settled);
    c.socket.close();
    d.socket.close();
    await server.stop();
  }, 180_000);

  it("y-partykit documents, and a msgpack binary client relayed over context.parties…socket()", async () => {
    const app = await imported("yjs-msgpack");
    const server = await Dev.start(app.dir, app.pkg.scripts.dev);
    const [port] = [server.host.split(":")[1]];

    // Two y-partykit providers edit one document.
    const docs = [new Y.Doc(), new Y.Doc()];
    const providers = docs.map((doc) => new YPartyKitProvider(`127.0.0.1:${port}`, "notes", doc, { WebSocketPolyfill: WebSocket as never, disableBc: true }));
    try {
      await until(() => providers.every((p) => p.synced), "both providers synced");
      docs[0]!.getText("t").insert(0, "hello from A");
      await until(() => docs[1]!.getText("t").toString() === "hello from A", "B sees A's edit");
      docs[1]!.getText("t").insert(0, ">> ");
      await until(() => docs[0]!.getText("t").toString() === ">> hello from A", "A sees B's edit");
    } finally {
      providers.forEach((p) => p.destroy());
    }

    // Binary [event, payload] frames to the gateway, relayed to the scores party and back.
    const frames: Value[] = [];
    const ws = new WebSocket(`ws://${server.host}/parties/gateway/match-1?_pk=player-1`);
    ws.binaryType = "arraybuffer";
    ws.on("message", (data: ArrayBuffer, isBinary: boolean) => frames.push(isBinary ? decode(new Uint8Array(data)) : ["text", String(data)]));
    await until(() => frames.length > 0, "the gateway's welcome");
    expect(frames.shift()).toEqual(["welcome", "player-1"]);
    ws.send(encode(["add", 7]));
    await until(() => frames.length > 0, "a score");
    expect(frames.shift()).toEqual(["score", 7]);
    ws.send(encode(["add", 300]));
    await until(() => frames.length > 0, "a second score");
    expect(frames.shift()).toEqual(["score", 307]);
    ws.send("not binary");
    await until(() => frames.length > 0, "an error frame");
    expect(frames.shift()).toEqual(["error", "binary frames only"]);
    ws.close();
    await server.stop();
  }, 180_000);

  it("a main that the project's build writes (dist/index.js): the entry lives outside dist/, the scripts build first", async () => {
    const app = await imported("build-output");
    expect(app.toml.main).toBe("worker.js");
    expect(read(app.dir, "worker.js")).toContain('import MainServer from "./dist/index.js";');
    expect(app.stdout).toContain("  main dist/index.js is a build output: run npm run build before roomkit dev/check/deploy");
    expect(app.pkg.scripts).toMatchObject({ dev: "npm run build && roomkit dev", start: "roomkit dev", deploy: "npm run build && roomkit deploy" });
    // @remix-run/dev wants wrangler ^3 as a peer: npm install would fail without the override.
    expect(app.pkg.overrides).toEqual({ "@remix-run/dev": { wrangler: "$wrangler" } });
    expect(existsSync(path.join(app.dir, "dist"))).toBe(false);

    // What `npm run dev` does: the build, then roomkit dev.
    const [build, rest] = app.pkg.scripts.dev.split(" && ");
    expect(build).toBe("npm run build");
    const unbuilt = await roomkit(app.dir, ["check"]);
    expect(unbuilt.stderr).toContain('warning[server-not-built]: worker.js:5: party class "Main" serves MainServer from ./dist/index.js, which does not exist');
    execFileSync("node", ["build.mjs"], { cwd: app.dir });
    const built = await roomkit(app.dir, ["check"]);
    expect([built.code, built.stderr]).toEqual([0, ""]);
    const server = await Dev.start(app.dir, rest);
    const c = partysocket({ host: server.host, room: "built" });
    expect(await c.next()).toBe("served by a server built by build.mjs in built");
    const page = await fetch(`http://${server.host}/nothing-here`);
    expect([page.status, await page.text()]).toEqual([404, "no page at /nothing-here"]);
    c.socket.close();
    await server.stop();
  }, 180_000);
});
