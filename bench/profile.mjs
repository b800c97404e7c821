#!/usr/bin/env node
// `node bench/profile.mjs`: where workerd spends its CPU in the Yjs workloads.
// One client types the first N edits of automerge-paper into each Yjs server
// (another follows), then a new client loads the document from a cold object;
// workerd's V8 inspector samples both phases and the heaviest functions are
// printed (self and inclusive time). With `--storm N`, instead: N clients
// join one room of each core implementation at once (the storm workload). With
// `--rooms R`: R rooms × 5 clients broadcast to their own room for 3 s (the
// many-rooms workload), after a warm-up. With `--durable`: the durable workload
// (100 clients, 10 senders, one room) against the plain and the history room,
// after a warm-up. `--alloc` (with `--join-loop` or `--rooms`) prints, instead
// of CPU, the bytes of JS heap each join or delivery allocates (V8's sampling
// heap profiler, objects already collected included), by function: garbage,
// which the CPU figures are too noisy on a shared machine to resolve. A diagnosis tool, not a measurement: the
// profiler slows what it watches, so figures come from `npm run bench`.
// The Yjs replay also prints its timeline as the clients see it (typing done,
// the writer's socket flushed, the follower's last frame, converged), and
// `--client-deflate off` makes the clients not offer permessage-deflate, to
// show what the clients' compression costs (browsers always offer it).
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { broadcastLoop, closeAll, openMany, sleep, waitFor } from "./lib/clients.mjs";
import { CORE_IMPLS, YJS_IMPLS } from "./lib/impls.mjs";
import { BenchServer, benchDir, cleanUp } from "./lib/server.mjs";
import { applyPatches, loadTrace, provider, synced } from "./lib/yclient.mjs";
import durableWorkload, { unwrapDurable } from "./workloads/durable.mjs";

const USAGE = `usage: node bench/profile.mjs [--edits N] [--batch N] [--impls ${YJS_IMPLS.map((i) => i.key).join(",")}] [--client-deflate on|off] [--top N]
       node bench/profile.mjs --storm N [--impls ${CORE_IMPLS.map((i) => i.key).join(",")}] [--top N]
       node bench/profile.mjs --join-loop N [--alloc] [--impls ${CORE_IMPLS.map((i) => i.key).join(",")}] [--top N]
       node bench/profile.mjs --rooms R [--per-room K] [--seconds S] [--alloc] [--impls ${CORE_IMPLS.map((i) => i.key).join(",")}] [--top N]
       node bench/profile.mjs --durable [--seconds S] [--impls ${durableWorkload.impls.map((i) => i.key).join(",")}] [--top N]`;
let args;
try {
  args = parseArgs({
    options: {
      edits: { type: "string", default: "20000" },
      batch: { type: "string", default: "1" },
      impls: { type: "string" },
      top: { type: "string", default: "15" },
      storm: { type: "string" },
      "join-loop": { type: "string" },
      alloc: { type: "boolean" },
      rooms: { type: "string" },
      durable: { type: "boolean" },
      "per-room": { type: "string", default: "5" },
      seconds: { type: "string", default: "3" },
      "client-deflate": { type: "string" },
    },
  }).values;
} catch (e) {
  console.error(`profile: ${e.message}\n${USAGE}`);
  process.exit(2);
}
const edits = Number(args.edits);
const batch = Number(args.batch);
const top = Number(args.top);
const storm = args.storm === undefined ? 0 : Number(args.storm);
const joinLoop = args["join-loop"] === undefined ? 0 : Number(args["join-loop"]);
const rooms = args.rooms === undefined ? 0 : Number(args.rooms);
const perRoom = Number(args["per-room"]);
const seconds = Number(args.seconds);
const durable = Boolean(args.durable);
const clientDeflate = args["client-deflate"] ?? "on";
const all = durable ? durableWorkload.impls : storm || rooms || joinLoop ? CORE_IMPLS : YJS_IMPLS;
const impls = args.impls ? all.filter((i) => args.impls.split(",").includes(i.key)) : all;
if (
  !(edits > 0 && batch > 0 && top > 0 && storm >= 0 && rooms >= 0 && joinLoop >= 0 && perRoom > 0 && seconds > 0) ||
  impls.length === 0 ||
  [storm, rooms, durable, joinLoop].filter(Boolean).length > 1 ||
  !["on", "off"].includes(clientDeflate) ||
  // Only the Yjs modes have y-websocket clients.
  (args["client-deflate"] !== undefined && (storm || rooms || durable || joinLoop)) ||
  (args.alloc && !joinLoop && !rooms)
) {
  console.error(USAGE);
  process.exit(2);
}
const TRACE = path.join(benchDir, "../../shared/traces/automerge-paper.json.gz");
if (!existsSync(TRACE)) {
  console.error(`profile: ${TRACE} is missing (see docs/benchmarks.md)`);
  process.exit(2);
}
const trace = loadTrace(TRACE, edits);

/** A Chrome DevTools Protocol session with workerd's user worker. */
async function inspect(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find((t) => /core:user/.test(t.title ?? ""));
  if (!target) throw new Error(`no user worker among the inspector's targets: ${targets.map((t) => t.title).join(", ")}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(data);
    waiting.get(msg.id)?.(msg.result);
    waiting.delete(msg.id);
  });
  const send = (method, params = {}) => new Promise((resolve) => (waiting.set(++id, resolve), ws.send(JSON.stringify({ id, method, params }))));
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 200 });
  await send("HeapProfiler.enable");
  // A sample every 128 bytes on average; collected objects stay in, since a join's garbage is the point.
  const sampling = { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  return {
    start: () => send("Profiler.start"),
    stop: async () => (await send("Profiler.stop")).profile,
    startAlloc: () => send("HeapProfiler.startSampling", sampling),
    stopAlloc: async () => (await send("HeapProfiler.stopSampling")).profile,
    close: () => ws.close(),
  };
}

/**
 * The replay's timeline as the clients see it, from `t0`: when the writer's
 * socket had flushed its last frame (ws calls a send's callback once the frame,
 * compressed or not, is written to the TCP socket), when the follower's
 * socket received its last frame and how many it received, and when the
 * follower's text became `end` (on its document's update, as the bench times
 * it). Installed on open, synced providers; the writer's sends keep their order
 * and data, only gaining the callback.
 *
 * @example
 * ```js
 * const t = replayTimeline(writer, follower, trace.end, performance.now());
 * // ... type ...
 * await waitFor(() => t.now().converged > 0, "follower");
 * const { flushed, unflushed, lastFrame, frames, converged } = t.now();
 * ```
 */
function replayTimeline(writer, follower, end, t0) {
  let [flushed, unflushed, lastFrame, frames, converged] = [0, 0, 0, 0, 0];
  const ws = writer.ws;
  const send = ws.send.bind(ws);
  // y-websocket calls send(buf) alone; without a callback ws drops a failed send silently, and so does this one.
  ws.send = (data, ...rest) => {
    if (rest.length > 0) return send(data, ...rest);
    unflushed++;
    send(data, () => {
      unflushed--;
      flushed = performance.now() - t0;
    });
  };
  // Prepended: the frame's arrival, before y-websocket applies it.
  follower.ws.prependListener("message", () => {
    frames++;
    lastFrame = performance.now() - t0;
  });
  const text = follower.doc.getText("t");
  follower.doc.on("update", () => {
    if (!converged && text.length === end.length && text.toString() === end) converged = performance.now() - t0;
  });
  return { now: () => ({ flushed, unflushed, lastFrame, frames, converged }) };
}

/** Self and inclusive time per function (by name and bundle line) in a V8 CPU profile. */
function hottest(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || "(anonymous)"}${n.callFrame.lineNumber >= 0 ? ` :${n.callFrame.lineNumber + 1}` : ""}`;
  const self = new Map();
  const inclusive = new Map();
  let busy = 0;
  profile.samples.forEach((sample, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = name(nodes.get(sample));
    if (/^\((idle|program|root)\)/.test(leaf)) return;
    busy += ms;
    self.set(leaf, (self.get(leaf) ?? 0) + ms);
    const seen = new Set();
    for (let c = sample; c !== undefined; c = parent.get(c)) {
      const k = name(nodes.get(c));
      if (!seen.has(k)) seen.add(k), inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  });
  const list = (m) =>
    [...m]
      .filter(([k]) => !/^\(root\)/.test(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `    ${v.toFixed(1).padStart(8)} ms  ${k}`)
      .join("\n");
  return `  busy ${busy.toFixed(0)} ms\n  self:\n${list(self)}\n  inclusive:\n${list(inclusive)}`;
}

/** Bytes allocated per operation in a sampling heap profile, in all and by function (with its caller). */
function allocated(profile, operations, unit) {
  const name = (f) => `${f.functionName || "(anonymous)"}${f.lineNumber >= 0 ? ` :${f.lineNumber + 1}` : ""}`;
  const bytes = new Map();
  let total = 0;
  const walk = (node, caller) => {
    if (node.selfSize > 0) {
      const key = `${name(node.callFrame)}${caller ? ` ← ${caller}` : ""}`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children ?? []) walk(child, name(node.callFrame));
  };
  walk(profile.head, "");
  const list = [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `  ${(v / operations).toFixed(0).padStart(8)} B  ${k}`)
    .join("\n");
  return `  ${(total / operations).toFixed(0)} bytes allocated per ${unit}\n${list}`;
}

const port = 20_000 + Math.floor(Math.random() * 40_000);
const server = await BenchServer.start({ inspectorPort: port });
const profiler = await inspect(port);
const durableSize = durableWorkload.sizes.full;
const what = durable
  ? `${durableSize.clients} clients in one room, ${durableSize.senders} sending, for ${seconds} s`
  : storm
    ? `${storm} clients joining at once`
    : joinLoop
      ? `${joinLoop} joins made one after the other inside the Worker (no clients), 4 times`
      : rooms
        ? `${rooms} rooms × ${perRoom} clients broadcasting for ${seconds} s`
        : `${trace.patches.length} edits, ${batch} per update, clients offer permessage-deflate: ${clientDeflate}`;
console.log(`${what}; line numbers are in the bundle (wrangler deploy --dry-run --outdir in bench/)`);
try {
  for (const impl of durable ? impls : []) {
    const room = `prof-${Date.now().toString(36)}-${impl.key}`;
    const url = `${server.ws}/parties/${impl.party}/${room}`;
    const sockets = await openMany(
      Array.from({ length: durableSize.clients }, (_, i) => `${url}?_pk=c${i}${impl.query}`),
      50,
    );
    const unwrap = impl.key === "durable" ? unwrapDurable : undefined;
    const load = (durationMs) => broadcastLoop([sockets], { sendersPerRoom: durableSize.senders, durationMs, unwrap });
    await load(500); // warm-up, unprofiled
    await profiler.start();
    const cpu0 = server.cpuMs();
    const r = await load(seconds * 1000);
    const cpu = server.cpuMs() - cpu0;
    const profile = await profiler.stop();
    const rate = (r.delivered / r.seconds).toFixed(0);
    const perK = ((cpu / r.delivered) * 1000).toFixed(2);
    console.log(`\n${impl.label}: ${rate} deliveries/s (lost ${r.lost}), workerd CPU ${cpu.toFixed(0)} ms = ${perK} ms / 1k deliveries\n${hottest(profile)}`);
    await closeAll(sockets);
  }
  for (const impl of rooms ? impls : []) {
    const tag = `prof-${Date.now().toString(36)}-${impl.key}`;
    const urls = Array.from({ length: rooms }, (_, r) => Array.from({ length: perRoom }, (_, i) => `${impl.url(server.ws, `${tag}-${r}`)}?_pk=c${i}`));
    const flat = await openMany(urls.flat(), 50);
    const sockets = urls.map((_, r) => flat.slice(r * perRoom, (r + 1) * perRoom));
    // Warm-up, unprofiled: wakes every room and lets the JIT settle.
    await broadcastLoop(sockets, { sendersPerRoom: perRoom, durationMs: 500 });
    await (args.alloc ? profiler.startAlloc() : profiler.start());
    const cpu0 = server.cpuMs();
    const r = await broadcastLoop(sockets, { sendersPerRoom: perRoom, durationMs: seconds * 1000 });
    const cpu = server.cpuMs() - cpu0;
    const breakdown = args.alloc ? allocated(await profiler.stopAlloc(), r.delivered, "delivery") : hottest(await profiler.stop());
    const perK = ((cpu / r.delivered) * 1000).toFixed(2);
    console.log(`\n${impl.label}: ${r.delivered} deliveries (lost ${r.lost}), workerd CPU ${cpu.toFixed(0)} ms = ${perK} ms / 1k deliveries\n${breakdown}`);
    await closeAll(flat);
  }
  for (const impl of storm ? impls : []) {
    const room = `storm-${Date.now().toString(36)}`;
    // The worker and the class are loaded first, by a connection to another room.
    await closeAll(await openMany([impl.url(server.ws, `${room}-warm`)]));
    await sleep(200);
    await profiler.start();
    const cpu0 = server.cpuMs();
    const sockets = await openMany(Array.from({ length: storm }, (_, i) => `${impl.url(server.ws, room)}?_pk=c${i}`));
    const cpu = server.cpuMs() - cpu0;
    console.log(`\n${impl.label}: ${storm} joins, workerd CPU ${cpu.toFixed(0)} ms\n${hottest(await profiler.stop())}`);
    await closeAll(sockets);
  }
  for (const impl of joinLoop ? impls : []) {
    // What each implementation's own code adds to a join, without the network and
    // handshake work that is the same for all and dominates the storm's figure.
    const room = `joins-${Date.now().toString(36)}-${impl.key}`;
    const loop = async (path, n) => {
      const res = await fetch(`${server.http}/__joins?path=${encodeURIComponent(path)}&n=${n}`);
      if (!res.ok) throw new Error(await res.text());
      await res.text();
    };
    const pathOf = (r) => new URL(impl.url(server.ws, r)).pathname;
    await loop(pathOf(`${room}-warm`), 100); // loads the class and lets the JIT settle, unprofiled
    await (args.alloc ? profiler.startAlloc() : profiler.start());
    let cpu = 0;
    for (let r = 0; r < 4; r++) {
      const cpu0 = server.cpuMs();
      await loop(pathOf(`${room}-${r}`), joinLoop);
      cpu += server.cpuMs() - cpu0;
    }
    const perJoin = ((cpu / (4 * joinLoop)) * 1000).toFixed(0);
    const breakdown = args.alloc ? allocated(await profiler.stopAlloc(), 4 * joinLoop, "join") : hottest(await profiler.stop());
    console.log(`\n${impl.label}: ${4 * joinLoop} joins, workerd CPU ${cpu.toFixed(0)} ms = ${perJoin} µs per join (closes included)\n${breakdown}`);
  }
  for (const impl of storm || rooms || durable || joinLoop ? [] : impls) {
    const url = impl.serverUrl(server.ws);
    const room = `profile-${Date.now().toString(36)}`;
    const options = { deflate: clientDeflate === "on" };
    const writer = provider(url, room, options);
    const follower = provider(url, room, options);
    await synced(writer, "writer");
    await synced(follower, "follower");
    const text = writer.doc.getText("t");
    await profiler.start();
    // Which side bounds the replay: workerd's CPU and this (client) process's CPU against the wall time.
    const [t0, cpu0, client0] = [performance.now(), server.cpuMs(), process.cpuUsage()];
    const timeline = replayTimeline(writer, follower, trace.end, t0);
    for (let i = 0; i < trace.patches.length; i += batch) {
      applyPatches(writer.doc, text, trace.patches, i, Math.min(trace.patches.length, i + batch));
      await new Promise((r) => setImmediate(r));
    }
    const typed = performance.now() - t0;
    await waitFor(() => timeline.now().converged > 0, `${impl.label}: follower`, 300_000);
    const seen = timeline.now();
    const wall = seen.converged;
    const client = process.cpuUsage(client0);
    const sides = `wall ${wall.toFixed(0)} ms (typing ${typed.toFixed(0)}), workerd CPU ${(server.cpuMs() - cpu0).toFixed(0)} ms, clients CPU ${((client.user + client.system) / 1000).toFixed(0)} ms`;
    const ms = (t) => Math.round(t).toLocaleString("en-US");
    const pending = seen.unflushed ? ` (${seen.unflushed} frames not yet flushed)` : "";
    const negotiated = `client deflate ${clientDeflate}, negotiated: ${writer.ws.extensions || "none"}`;
    const line = `timeline: typed ${ms(typed)} ms, writer flushed ${ms(seen.flushed)}${pending}, follower's last frame ${ms(seen.lastFrame)} (${seen.frames} frames), converged ${ms(wall)}; ${negotiated}`;
    console.log(`\n${impl.label}: typing until the follower has it; ${sides}\n  ${line}\n${hottest(await profiler.stop())}`);
    writer.destroy();
    follower.destroy();
    await sleep(3_000);
    const stats = await (await fetch(`${server.http}/__bench/${impl.binding}/${room}/stats`)).json();
    await (await fetch(`${server.http}/__bench/${impl.binding}/${room}/abort`)).text();
    await sleep(200);
    await profiler.start();
    // As the bench times it (from a new provider until it holds the text), plus workerd's CPU meanwhile; slowed by the profiler.
    const [c0, cpuC0] = [performance.now(), server.cpuMs()];
    const reader = provider(url, room, options);
    try {
      await waitFor(() => reader.synced && reader.doc.getText("t").toString() === trace.end, `${impl.label}: cold load`);
    } finally {
      reader.destroy();
    }
    const cold = `wall ${(performance.now() - c0).toFixed(0)} ms, workerd CPU ${server.cpuMs() - cpuC0} ms`;
    console.log(`\n${impl.label}: cold load, ${cold} (storage before it: ${JSON.stringify(stats)})\n${hottest(await profiler.stop())}`);
  }
} finally {
  profiler.close();
  await server.stop();
  cleanUp();
}
