#!/usr/bin/env node
// The batched Yjs replay (100 edits per update) against the yjs-editor template
// under each way of serving it locally, to see what a dev server costs per frame:
//   roomkit           `roomkit dev` (its default mode: the Worker in Miniflare, no proxy), with an inspector port
//   roomkit-no-inspector  the same without an inspector (roomkit dev opens none unless asked)
//   roomkit-client    the same, also building the template's browser client (esbuild in watch mode), as `npm run dev` does
//   roomkit-wrangler  `roomkit dev --wrangler` (wrangler dev underneath, as before)
//   wrangler          plain `wrangler dev`
//   miniflare         the same bundle (`wrangler deploy --dry-run`) in Miniflare, clients on workerd directly
//   roomkit-y-partykit  `roomkit dev` serving y-partykit's server instead of YRoom (nothing persisted per
//                     update, as under PartyKit's dev server): separates the dev server's cost from YRoom's
//   partykit          PartyKit's own dev server (`partykit dev`) with y-partykit and snapshot persistence,
//                     the stack a PartyKit user runs locally (not in the default modes: opt in with --modes)
// Each round starts every server afresh (modes interleaved), replays once into a
// new room and stops it; the CPU each process of the server used during the replay
// is read from /proc. Loopback only.
//
//   node bench/dev-replay.mjs [--rounds 3] [--edits N] [--modes roomkit,wrangler,miniflare,partykit] [--pin]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { waitFor } from "./lib/clients.mjs";
import { applyPatches, loadTrace, provider, synced } from "./lib/yclient.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const wranglerBin = path.join(repo, "node_modules/wrangler/bin/wrangler.js");
const fromWrangler = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json"));
const { Miniflare } = fromWrangler("miniflare");
const wrangler = fromWrangler("wrangler");
const CLOCK_TICKS = 100;
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", FORCE_COLOR: "0", NO_COLOR: "1" };

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    edits: { type: "string" },
    modes: { type: "string", default: "roomkit,roomkit-wrangler,wrangler,miniflare" },
    pin: { type: "boolean", default: false },
  },
});
const rounds = Number(args.rounds);
const modes = args.modes.split(",");
const trace = loadTrace(path.join(repo, "../shared/traces/automerge-paper.json.gz"), args.edits ? Number(args.edits) : Infinity);
const BATCH = 100;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// With --pin, as in the bench (bench/lib/server.mjs): the server's processes on the last
// core, the clients on the others. Off by default: a dev server is several processes
// (roomkit dev's Node process, wrangler's, one or two workerds), and pinning them all to
// one core measures that core's contention more than the server (measured: roomkit dev
// vs Miniflare, 50,000 edits, 6 rounds, pinned 839 vs 478 ms median, unpinned 414 vs 567 ms).
const cores = os.cpus().length;
const hasTaskset = args.pin && cores >= 2 && spawnSync("taskset", ["--version"]).status === 0;
const pin = (pid, list) => hasTaskset && spawnSync("taskset", ["-a", "-p", "-c", list, String(pid)], { stdio: "ignore" });
pin(process.pid, `0-${Math.max(0, cores - 2)}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * templates/yjs-editor and roomkit's sources, copied once into a temp dir (so every mode serves the
 * same code, whatever is edited in the checkout meanwhile), with `roomkit` and `roomkit/yjs`
 * pointed at the copy and the checkout's node_modules linked in.
 */
function project(document) {
  const dir = mkdtempSync(path.join(tmpdir(), "roomkit-dev-replay-"));
  cpSync(path.join(repo, "src"), path.join(dir, "roomkit"), { recursive: true });
  for (const sub of ["src", "public", "client"]) cpSync(path.join(repo, "templates/yjs-editor", sub), path.join(dir, sub), { recursive: true });
  if (document) writeFileSync(path.join(dir, "src/document.ts"), document);
  symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
  const toml = readFileSync(path.join(repo, "templates/yjs-editor/wrangler.toml"), "utf8");
  const alias = `\n[alias]\n"roomkit" = "./roomkit/index.ts"\n"roomkit/yjs" = "./roomkit/yjs/index.ts"\n`;
  writeFileSync(path.join(dir, "wrangler.toml"), toml + alias);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "dev-replay", private: true, type: "module", roomkit: { client: false } }));
  return dir;
}

/** The template's Document replaced by y-partykit's server, with the limits the bench gives it (bench/worker/yjs.ts). */
const Y_PARTYKIT_DOCUMENT = `import type * as Party from "roomkit";
import { onConnect } from "y-partykit";
export class Document implements Party.Server {
  static options: Party.ServerOptions = { hibernate: false, limits: { maxMessageBytes: 8 * 1024 * 1024, messagesPerSecond: 1e9 } };
  constructor(readonly room: Party.Room) {}
  onConnect(conn: Party.Connection) {
    return onConnect(conn as never, this.room as never, { persist: { mode: "snapshot" } });
  }
}
`;

/** A PartyKit project serving y-partykit with snapshots, as PartyKit's docs set it up. */
function partykitProject() {
  const dir = mkdtempSync(path.join(tmpdir(), "roomkit-dev-replay-partykit-"));
  cpSync(path.join(repo, "bench/worker/partykit-yjs.ts"), path.join(dir, "server.ts"));
  symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
  writeFileSync(path.join(dir, "partykit.json"), JSON.stringify({ name: "dev-replay", main: "server.ts", compatibilityDate: "2024-09-01" }));
  return dir;
}

/** The CLI as one Node file (its TypeScript sources bundled, its packages left to node_modules). */
function buildCli() {
  const out = path.join(repo, "node_modules/.cache/roomkit-dev-replay/roomkit.mjs");
  execFileSync(
    path.join(repo, "node_modules/.bin/esbuild"),
    [path.join(repo, "cli/bin.ts"), "--bundle", "--platform=node", "--format=esm", "--packages=external", "--log-level=error", `--outfile=${out}`],
    { stdio: "inherit" },
  );
  return out;
}

/** Every descendant of `pid` with its CPU time so far (ms) and what it is. */
function tree(pid) {
  const all = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      all.push({ pid: Number(entry), ppid: Number(f[1]), cpu: ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS, cmd });
    } catch {
      // exited meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    for (const c of all.filter((x) => x.ppid === p)) {
      out.push(c);
      walk(c.pid);
    }
  };
  const self = all.find((x) => x.pid === pid);
  if (self) out.push(self);
  walk(pid);
  return out;
}

function label(p) {
  const exe = path.basename(p.cmd[0]);
  if (exe === "workerd") return "workerd";
  const script = p.cmd.find((a) => /\.(m?js)$/.test(a)) ?? "";
  if (/roomkit\.mjs$/.test(script)) return "roomkit (node)";
  if (/wrangler\.js$/.test(script)) return "wrangler (node, launcher)";
  if (/wrangler-dist/.test(script)) return "wrangler (node)";
  if (/partykit\/dist\/bin\.mjs$/.test(script)) return "partykit (node)";
  return exe;
}

/** A server started as a child process; resolves once it prints that it is ready. */
async function child(cmd, argv, cwd) {
  const p = spawn(cmd, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  p.stdout.on("data", (d) => (output += d));
  p.stderr.on("data", (d) => (output += d));
  await waitFor(() => /ready on/i.test(output) || p.exitCode !== null, "the dev server to be ready", 120_000);
  if (p.exitCode !== null) throw new Error(`${argv.join(" ")} exited ${p.exitCode}:\n${output}`);
  return {
    pid: p.pid,
    output: () => output,
    async stop() {
      const exited = new Promise((r) => p.once("exit", r));
      process.kill(-p.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        // gone
      }
    },
  };
}

let cli;
let bundle;
let partykitDir;
let yPartykitDir;
async function start(mode, dir) {
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "roomkit-dev-replay-state-"));
  const common = ["--port", String(port), "--ip", "127.0.0.1", "--persist-to", state];
  // wrangler dev always opens an inspector (here on a free port); roomkit dev only when asked.
  const inspector = ["--inspector-port", String(await freePort())];
  if (mode.startsWith("roomkit")) {
    cli ??= buildCli();
    const own = {
      roomkit: [...inspector, "--no-client"],
      "roomkit-no-inspector": ["--no-client"],
      "roomkit-client": [...inspector, "--client", "client/index.ts"],
      "roomkit-wrangler": ["--wrangler", ...inspector, "--no-client"],
      "roomkit-y-partykit": [...inspector, "--no-client"],
    }[mode];
    if (!own) throw new Error(`unknown mode ${mode}`);
    if (mode === "roomkit-y-partykit") yPartykitDir ??= project(Y_PARTYKIT_DOCUMENT);
    const s = await child(process.execPath, [cli, "dev", ...own, ...common], mode === "roomkit-y-partykit" ? yPartykitDir : dir);
    return { ...s, port, state };
  }
  if (mode === "partykit") {
    partykitDir ??= partykitProject();
    const bin = path.join(repo, "node_modules/partykit/dist/bin.mjs");
    const argv = [bin, "dev", "--port", String(port), "--persist", state, "--disable-request-cf-fetch", "--no-hotkeys"];
    return { ...(await child(process.execPath, argv, partykitDir)), port, state };
  }
  if (mode === "wrangler") return { ...(await child(process.execPath, [wranglerBin, "dev", ...common, ...inspector], dir)), port, state };
  if (mode === "miniflare") {
    if (!bundle) {
      bundle = mkdtempSync(path.join(tmpdir(), "roomkit-dev-replay-bundle-"));
      execFileSync(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", bundle], { cwd: dir, env, stdio: "ignore" });
    }
    const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(path.join(dir, "wrangler.toml"));
    const mf = new Miniflare({
      ...workerOptions,
      modules: true,
      scriptPath: path.join(bundle, "index.js"),
      modulesRoot: bundle,
      defaultPersistRoot: path.join(state, "v3"),
      host: "127.0.0.1",
      port,
    });
    await mf.ready;
    const workerd = tree(process.pid).filter((p) => label(p) === "workerd");
    return { pid: workerd[0]?.pid, port, state, output: () => "", stop: () => mf.dispose() };
  }
  throw new Error(`unknown mode ${mode}`);
}

/** A writer and a follower in one room, both synced; `run` gets them and their texts, and both leave after it. */
async function withEditors(port, room, run) {
  const url = `ws://127.0.0.1:${port}/parties/main`;
  const writer = provider(url, room);
  const follower = provider(url, room);
  try {
    await synced(writer, "writer");
    await synced(follower, "follower");
    return await run({ writer, follower, wText: writer.doc.getText("codemirror"), fText: follower.doc.getText("codemirror") });
  } finally {
    writer.destroy();
    follower.destroy();
  }
}

function replay(port, room) {
  return withEditors(port, room, async ({ writer, follower, wText, fText }) => {
    let converged = 0;
    follower.doc.on("update", () => {
      if (!converged && fText.length === trace.end.length && fText.toString() === trace.end) converged = performance.now();
    });
    const t0 = performance.now();
    for (let i = 0; i < trace.patches.length; i += BATCH) {
      applyPatches(writer.doc, wText, trace.patches, i, Math.min(trace.patches.length, i + BATCH));
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => converged > 0, "the follower to converge", 300_000);
    return converged - t0;
  });
}

/**
 * One keystroke at a time: the writer types a character and waits until the follower
 * has it, `n` times. A relay in the path adds its hops to every one of these.
 */
function keystrokes(port, room, n = 300) {
  return withEditors(port, room, async ({ follower, wText, fText }) => {
    const times = [];
    for (let i = 0; i < n; i++) {
      const seen = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the follower never saw a keystroke")), 30_000);
        const onUpdate = () => {
          if (fText.length !== i + 1) return;
          clearTimeout(timer);
          follower.doc.off("update", onUpdate);
          resolve();
        };
        follower.doc.on("update", onUpdate);
      });
      const t0 = performance.now();
      wText.insert(wText.length, "x");
      await seen;
      times.push(performance.now() - t0);
    }
    return median(times);
  });
}

const dir = project();
const results = Object.fromEntries(modes.map((m) => [m, []]));
try {
  for (let r = 0; r < rounds; r++) {
    // Each round starts with a different mode, so none always runs first (or last).
    for (const mode of [...modes.slice(r % modes.length), ...modes.slice(0, r % modes.length)]) {
      const started = performance.now();
      const server = await start(mode, dir);
      let readyMs;
      try {
        // A first connection starts the worker, so the replay measures frames, not startup.
        const warm = provider(`ws://127.0.0.1:${server.port}/parties/main`, `warm-${r}`);
        await synced(warm, "warm-up").finally(() => warm.destroy());
        // Until a first client is synced: wrangler dev says it is ready before the Worker is.
        readyMs = performance.now() - started;
        const root = server.pid;
        for (const p of tree(root)) pin(p.pid, String(cores - 1));
        const before = new Map(tree(root).map((p) => [p.pid, p.cpu]));
        const clientStart = process.cpuUsage();
        const ms = await replay(server.port, `replay-${r}`);
        const cpu = {};
        // Two workerds under wrangler dev: the proxy starts first (the lower pid), then the worker's.
        const workerds = tree(root)
          .filter((p) => label(p) === "workerd")
          .map((p) => p.pid)
          .sort((a, b) => a - b);
        for (const p of tree(root)) {
          const l = label(p) === "workerd" && workerds.length > 1 ? (p.pid === workerds[0] ? "workerd (proxy)" : "workerd (worker)") : label(p);
          cpu[l] = (cpu[l] ?? 0) + p.cpu - (before.get(p.pid) ?? 0);
        }
        const used = process.cpuUsage(clientStart);
        cpu["clients (this process)"] = (used.user + used.system) / 1000;
        const keystrokeMs = await keystrokes(server.port, `keys-${r}`);
        results[mode].push({ ms, cpu, keystrokeMs, readyMs });
        console.log(
          `round ${r + 1} ${mode.padEnd(17)} converge ${ms.toFixed(0).padStart(5)} ms   CPU ${Object.entries(cpu)
            .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
            .join(", ")}   keystroke seen by the follower ${keystrokeMs.toFixed(2)} ms (median of 300)   serving after ${readyMs.toFixed(0)} ms`,
        );
      } finally {
        await server.stop();
        rmSync(server.state, { recursive: true, force: true });
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (bundle) rmSync(bundle, { recursive: true, force: true });
  for (const d of [partykitDir, yPartykitDir]) if (d) rmSync(d, { recursive: true, force: true });
}
console.log(`\n${hasTaskset ? `server processes on core ${cores - 1}, clients on the others` : "nothing pinned"}`);
console.log(`${trace.patches.length.toLocaleString("en")} edits, ${BATCH} per update, ${rounds} rounds; median converge:`);
for (const mode of modes) {
  const ms = results[mode].map((x) => x.ms);
  const keys = results[mode].map((x) => x.keystrokeMs);
  const ready = results[mode].map((x) => x.readyMs);
  const server = results[mode].map((x) => Object.entries(x.cpu).reduce((sum, [k, v]) => (k.startsWith("clients") ? sum : sum + v), 0));
  console.log(
    `  ${mode.padEnd(17)} ${median(ms).toFixed(0).padStart(5)} ms  (${ms.map((x) => x.toFixed(0)).join(", ")});  server CPU ${median(server).toFixed(0)} ms (${server.map((x) => x.toFixed(0)).join(", ")});  keystroke ${median(keys).toFixed(2)} ms (${keys.map((x) => x.toFixed(2)).join(", ")});  serving after ${median(ready).toFixed(0)} ms`,
  );
}
