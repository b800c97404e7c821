#!/usr/bin/env node
// `npm run bench`: the same workloads, implemented several ways, measured in one
// workerd, interleaved. See docs/benchmarks.md for what is measured and how.
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { terminalTable, updateDoc } from "./lib/report.mjs";
import { BenchServer, benchDir, cleanUp, pinning, runtimeVersions } from "./lib/server.mjs";
import { summarize, withRatios } from "./lib/stats.mjs";
import echo from "./workloads/echo.mjs";
import fanout from "./workloads/fanout.mjs";
import rooms from "./workloads/rooms.mjs";
import storm from "./workloads/storm.mjs";
import yjsDocs from "./workloads/yjs-docs.mjs";
import yjsReplay from "./workloads/yjs-replay.mjs";
import yjsKeystrokes from "./workloads/yjs-keystrokes.mjs";
import durable from "./workloads/durable.mjs";
import catchup from "./workloads/catchup.mjs";
import streamsAppend from "./workloads/streams-append.mjs";
import streamsCatchup from "./workloads/streams-catchup.mjs";
import streamsFanout from "./workloads/streams-fanout.mjs";

const WORKLOADS = [fanout, echo, storm, rooms, yjsReplay, yjsKeystrokes, yjsDocs, durable, catchup, streamsAppend, streamsCatchup, streamsFanout];
const USAGE = `usage: npm run bench -- [--smoke] [--rounds N] [--only ${WORKLOADS.map((w) => w.name).join(",")}] [--out FILE]

  --smoke      tiny sizes, one round: proves the harness works (seconds); never touches docs/;
               skips the streams-* workloads (they have no smoke size)
  --rounds N   interleaved rounds per workload (default 5; storm 15; 3 for the slow ones)
  --only LIST  run only these workloads (comma-separated)
  --out FILE   write the JSON results here (default bench/results/latest.json, smoke: bench/results/smoke.json)`;

function usageError(message) {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      smoke: { type: "boolean" },
      rounds: { type: "string" },
      only: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  usageError(e.message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const smoke = Boolean(args.smoke);
const size = smoke ? "smoke" : "full";
let rounds;
if (args.rounds !== undefined) {
  rounds = Number(args.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) usageError(`--rounds must be an integer from 1 to 50, got "${args.rounds}"`);
}
let selected = WORKLOADS;
if (args.only !== undefined) {
  const names = args.only.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) usageError(`unknown workload "${unknown[0]}"`);
  selected = WORKLOADS.filter((w) => names.includes(w.name));
}
// A workload without a smoke size (the streams ones: filling and reading 100,000 messages takes a while) is left out of --smoke.
const noSmoke = selected.filter((w) => !w.sizes.smoke);
if (smoke && args.only !== undefined && noSmoke.length) usageError(`workload "${noSmoke[0].name}" has no --smoke size`);
if (smoke) selected = selected.filter((w) => w.sizes.smoke);
const roundsOf = (w) => rounds ?? (smoke ? 1 : (w.rounds ?? (w.mode === "shared" ? 5 : 3)));
const outFile = args.out ? path.resolve(args.out) : path.join(benchDir, "results", smoke ? "smoke.json" : "latest.json");

/** A → B → C, then B → C → A …: each implementation runs first, middle and last equally often. */
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);
const runTag = Date.now().toString(36);
const failures = [];

/** Runs one sample; a failure is reported and the run goes on (the figure just has fewer samples). */
async function attempt(w, impl, fn) {
  try {
    return await fn();
  } catch (e) {
    failures.push(`${w.name} / ${impl.label}: ${e?.message ?? e}`);
    process.stdout.write("x");
    return undefined;
  }
}

function record(samples, w, impl, result) {
  if (!result) return;
  for (const [k, v] of Object.entries(result.values)) ((samples[k] ??= {})[impl.key] ??= []).push(v);
  for (const [k, v] of Object.entries(result.check ?? {})) {
    if (v !== 0) failures.push(`${w.name} / ${impl.label}: ${k} = ${v}`);
  }
}

async function runWorkload(w, shared) {
  const s = w.sizes[size];
  const samples = {};
  const n = roundsOf(w);
  process.stdout.write(`${w.name}: `);
  if (w.mode === "shared" || w.mode === "own") {
    // "own": the workload starts its own server per implementation in setup (no shared workerd).
    const server = w.mode === "shared" ? await shared() : undefined;
    const states = new Map();
    for (const impl of w.impls) states.set(impl, await w.setup(server, impl, s, `${runTag}-${impl.key}`));
    try {
      for (let r = 0; r < n; r++) {
        for (const impl of rotate(w.impls, r)) {
          record(samples, w, impl, await attempt(w, impl, () => w.sample(server, impl, states.get(impl), s)));
          process.stdout.write(".");
        }
      }
    } finally {
      for (const state of states.values()) await w.teardown(state);
    }
  } else {
    for (let r = 0; r < n; r++) {
      for (const impl of rotate(w.impls, r)) {
        const server = w.mode === "fresh" ? await BenchServer.start() : await shared();
        try {
          record(samples, w, impl, await attempt(w, impl, () => w.sample(server, impl, s, `${runTag}-${impl.key}-${r}`)));
        } finally {
          if (w.mode === "fresh") await server.stop();
        }
        process.stdout.write(".");
      }
    }
  }
  process.stdout.write("\n");
  const results = {};
  for (const [key, byImpl] of Object.entries(samples)) {
    results[key] = { impls: Object.fromEntries(Object.entries(byImpl).map(([impl, xs]) => [impl, summarize(xs)])) };
  }
  withRatios(results, w.references);
  return {
    name: w.name,
    title: w.title,
    description: w.describe(s),
    rounds: n,
    figures: w.figures,
    references: w.references,
    impls: w.impls.map(({ key, label }) => ({ key, label })),
    results,
  };
}

function versions() {
  const v = (p) => {
    try {
      return JSON.parse(readFileSync(path.join(benchDir, "..", "node_modules", p, "package.json"), "utf8")).version;
    } catch {
      return "?";
    }
  };
  let commit = "?";
  try {
    commit = execSync("git rev-parse --short HEAD", { cwd: benchDir }).toString().trim();
    if (execSync("git status --porcelain -- src bench", { cwd: benchDir }).toString().trim()) commit += " + local changes";
  } catch {}
  return {
    node: process.version.slice(1),
    wrangler: v("wrangler"),
    miniflare: runtimeVersions.miniflare,
    workerd: runtimeVersions.workerd,
    roomkit: JSON.parse(readFileSync(path.join(benchDir, "../package.json"), "utf8")).version,
    commit,
    partyserver: v("partyserver"),
    "y-partyserver": v("y-partyserver"),
    "y-partykit": v("y-partykit"),
    yjs: v("yjs"),
    "y-websocket": v("y-websocket"),
    ws: v("ws"),
    "@durable-streams/server": v("@durable-streams/server"),
  };
}

let server;
const shared = async () => (server ??= await BenchServer.start());
const run = {
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  date: new Date().toISOString(),
  mode: size,
  rounds: selected.map((w) => `${w.name} ${roundsOf(w)}`).join(", "),
  machine: {
    cpu: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    pinning,
  },
  versions: versions(),
  workloads: [],
};

const started = Date.now();
try {
  for (const w of selected) {
    const result = await runWorkload(w, shared);
    run.workloads.push(result);
    console.log(terminalTable(Object.assign({}, w, result)));
  }
} finally {
  await server?.stop();
  cleanUp();
}
run.seconds = Math.round((Date.now() - started) / 1000);
run.failures = failures;
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(run, null, 2) + "\n");
console.log(`\nwrote ${path.relative(process.cwd(), outFile)} (${run.seconds} s)`);
if (!smoke && !args.out && !args.only) {
  updateDoc(path.join(benchDir, "../docs/benchmarks.md"), run);
  console.log("updated docs/benchmarks.md");
} else if (!smoke) {
  console.log("(docs/benchmarks.md is only rewritten by a full run of every workload)");
}
if (failures.length) {
  console.error(`\ncorrectness failures:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
