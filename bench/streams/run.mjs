#!/usr/bin/env node
// `node bench/streams/run.mjs [--smoke]`: roomkit/streams (wrangler dev, durable
// in SQLite) side by side with Electric's reference server @durable-streams/server
// (in-memory and file-backed), same machine, same clients, interleaved.
// Workloads: append throughput (1 and 10 writers, small JSON messages), catch-up
// read of a 100,000-message stream, live fan-out latency to 100 SSE readers.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DurableStreamTestServer } from "@durable-streams/server";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const smoke = process.argv.includes("--smoke");
const S = smoke
  ? { appendMs: 300, catchupMessages: 2_000, readers: 5, fanoutMessages: 5, rounds: 1 }
  : { appendMs: 3_000, catchupMessages: 100_000, readers: 100, fanoutMessages: 50, rounds: 3 };

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startRoomkit() {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(root, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      mkdtempSync(path.join(os.tmpdir(), "streams-bench-")),
    ],
    {
      cwd: here,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!/Ready on/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`wrangler dev did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
    },
  };
}

async function startReference(fileBacked) {
  const server = new DurableStreamTestServer({
    port: 0,
    host: "127.0.0.1",
    ...(fileBacked ? { dataDir: mkdtempSync(path.join(os.tmpdir(), "ds-ref-")) } : {}),
  });
  const url = await server.start();
  return { url: url.replace(/\/$/, ""), stop: () => server.stop() };
}

const json = { "content-type": "application/json" };
const msg = (i) => JSON.stringify({ i, user: "bench", text: "a small chat-sized message" });
const create = async (base, name) => {
  const res = await fetch(`${base}/v1/stream/${name}`, { method: "PUT", headers: json });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status}`);
};

/** Writers append one message each, sequentially, for `ms`; every append is acknowledged before the next. */
async function appendThroughput(base, name, writers, ms) {
  await create(base, name);
  const end = Date.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (Date.now() < end) {
        const res = await fetch(`${base}/v1/stream/${name}`, { method: "POST", headers: json, body: msg(n) });
        if (res.status !== 204 && res.status !== 200) throw new Error(`append: ${res.status}`);
        n++;
      }
    }),
  );
  const stored = await readAll(base, name);
  if (stored.count !== n) throw new Error(`stored ${stored.count} of ${n} appends`);
  return (n / ms) * 1000;
}

/** Reads a stream from the start to the tail, following Stream-Next-Offset. */
async function readAll(base, name) {
  let offset = "-1";
  let count = 0;
  let bytes = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const res = await fetch(`${base}/v1/stream/${name}?offset=${encodeURIComponent(offset)}`);
    const text = await res.text();
    bytes += text.length;
    count += JSON.parse(text).length;
    offset = res.headers.get("stream-next-offset");
    if (res.headers.get("stream-up-to-date") === "true") break;
  }
  return { count, bytes };
}

async function catchUp(base, name, messages) {
  await create(base, name);
  const batch = 1_000;
  for (let i = 0; i < messages; i += batch) {
    const body = `[${Array.from({ length: Math.min(batch, messages - i) }, (_, k) => msg(i + k)).join(",")}]`;
    const res = await fetch(`${base}/v1/stream/${name}`, { method: "POST", headers: json, body });
    if (!res.ok) throw new Error(`fill: ${res.status}`);
  }
  const t0 = performance.now();
  const { count } = await readAll(base, name);
  const seconds = (performance.now() - t0) / 1000;
  if (count !== messages) throw new Error(`read ${count} of ${messages}`);
  return messages / seconds;
}

/** `readers` SSE readers at the tail; the writer appends `messages` timestamped messages, 50 ms apart. */
async function fanout(base, name, readers, messages) {
  await create(base, name);
  const latencies = [];
  const aborts = [];
  const received = Array(readers).fill(0);
  const ready = [];
  const done = Array.from(
    { length: readers },
    (_, r) =>
      new Promise((resolve, reject) => {
        const abort = new AbortController();
        aborts.push(abort);
        let markReady;
        ready.push(new Promise((x) => (markReady = x)));
        fetch(`${base}/v1/stream/${name}?offset=now&live=sse`, { signal: abort.signal })
          .then(async (res) => {
            const reader = res.body.getReader();
            const decoder = new TextDecoder();
            let buf = "";
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              buf += decoder.decode(value, { stream: true });
              let at;
              while ((at = buf.indexOf("\n\n")) >= 0) {
                const block = buf.slice(0, at);
                buf = buf.slice(at + 2);
                if (block.startsWith("event: control")) markReady();
                if (!block.startsWith("event: data")) continue;
                const now = performance.now();
                for (const m of JSON.parse(
                  block
                    .split("\n")
                    .filter((l) => l.startsWith("data:"))
                    .map((l) => l.slice(5))
                    .join("\n"),
                )) {
                  latencies.push(now - m.sent);
                  if (++received[r] === messages) resolve();
                }
              }
            }
          })
          .catch((e) => (e.name === "AbortError" ? resolve() : reject(e)));
      }),
  );
  await Promise.all(ready);
  for (let i = 0; i < messages; i++) {
    await fetch(`${base}/v1/stream/${name}`, { method: "POST", headers: json, body: JSON.stringify({ i, sent: performance.now() }) });
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 30_000))]);
  aborts.forEach((a) => a.abort());
  const missing = received.reduce((n, c) => n + (messages - c), 0);
  if (missing) throw new Error(`${missing} deliveries missing`);
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)] };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const impls = [
  { key: "roomkit", label: "roomkit/streams (SQLite, durable)", start: startRoomkit },
  { key: "refFile", label: "@durable-streams/server, file-backed", start: () => startReference(true) },
  { key: "refMem", label: "@durable-streams/server, in-memory", start: () => startReference(false) },
];
const results = {};
for (const impl of impls) {
  const server = await impl.start();
  const r = (results[impl.key] = { append1: [], append10: [], catchup: [], p50: [], p99: [] });
  try {
    for (let round = 0; round < S.rounds; round++) {
      const tag = `${Date.now().toString(36)}-${round}`;
      r.append1.push(await appendThroughput(server.url, `a1-${tag}`, 1, S.appendMs));
      r.append10.push(await appendThroughput(server.url, `a10-${tag}`, 10, S.appendMs));
      r.catchup.push(await catchUp(server.url, `cu-${tag}`, S.catchupMessages));
      const f = await fanout(server.url, `fo-${tag}`, S.readers, S.fanoutMessages);
      r.p50.push(f.p50);
      r.p99.push(f.p99);
      process.stdout.write(".");
    }
  } finally {
    await server.stop();
  }
}
process.stdout.write("\n");
const rows = [
  ["appends/s, 1 writer", "append1", 0],
  ["appends/s, 10 writers", "append10", 0],
  [`catch-up messages/s (${S.catchupMessages.toLocaleString("en")} messages)`, "catchup", 0],
  [`fan-out p50 ms (${S.readers} SSE readers)`, "p50", 1],
  [`fan-out p99 ms (${S.readers} SSE readers)`, "p99", 1],
];
const table = [
  `| workload (median of ${S.rounds}) | ${impls.map((i) => i.label).join(" | ")} | roomkit ÷ file-backed |`,
  `| --- | ${impls.map(() => "---").join(" | ")} | --- |`,
];
for (const [label, key, digits] of rows) {
  const m = Object.fromEntries(impls.map((i) => [i.key, median(results[i.key][key])]));
  table.push(`| ${label} | ${impls.map((i) => m[i.key].toFixed(digits)).join(" | ")} | ${(m.roomkit / m.refFile).toFixed(2)}× |`);
}
console.log(table.join("\n"));
const out = path.join(root, "bench/results", smoke ? "streams-smoke.json" : "streams.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), smoke, sizes: S, machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length }, results, table }, null, 2) +
    "\n",
);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
