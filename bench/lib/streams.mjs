// roomkit/streams and Electric's reference server @durable-streams/server, as the
// streams workloads (bench/workloads/streams-*.mjs) start and drive them: the
// same Node HTTP clients against each, speaking the Durable Streams protocol.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { sleep } from "./clients.mjs";
import { BenchServer, benchDir, pinToServerCore } from "./server.mjs";

const streamsDir = path.join(benchDir, "streams");

/**
 * roomkit/streams (bench/streams/worker.ts) as the room workloads run: bundled by wrangler, in one
 * workerd started through wrangler's Miniflare (no `wrangler dev` proxy in front: the reference
 * server has none either), pinned to its own core, its SQLite in a fresh directory: every append
 * is durable before it is acknowledged.
 */
async function startRoomkit() {
  const server = await BenchServer.start({ project: streamsDir });
  return { url: server.http, stop: () => server.stop() };
}

/**
 * @durable-streams/server in memory or file-backed (its LMDB + fsync store), in its own Node
 * process (bench/streams/reference-server.mjs) pinned to the server core like workerd: the
 * clients' load does not slow it, nor it the clients.
 */
async function startReference(fileBacked) {
  const dataDir = fileBacked ? mkdtempSync(path.join(os.tmpdir(), "ds-ref-")) : undefined;
  const child = spawn(process.execPath, [path.join(streamsDir, "reference-server.mjs"), ...(dataDir ? [dataDir] : [])], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000)]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  let out = "";
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(JSON.parse(out.slice(0, out.indexOf("\n"))).url);
    });
    exited.then((code) => reject(new Error(`the reference server exited (${code}) before it started`)));
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  pinToServerCore(child.pid);
  return { url, stop };
}

/** The three servers compared; each workload starts its own instance of each (setup) and stops it (teardown). */
export const STREAMS_IMPLS = [
  { key: "roomkit", label: "roomkit/streams (SQLite, durable)", start: startRoomkit },
  { key: "ref-file", label: "@durable-streams/server, file-backed", start: () => startReference(true) },
  { key: "ref-mem", label: "@durable-streams/server, in-memory (not durable)", start: () => startReference(false) },
];
export const STREAMS_REFERENCES = { file: "ref-file", memory: "ref-mem" };

/** The workload shape every streams workload shares: one server per implementation, kept for all rounds. */
export const streamsServers = {
  impls: STREAMS_IMPLS.map(({ key, label }) => ({ key, label })),
  references: STREAMS_REFERENCES,
  mode: "own",
  rounds: 3,
  async setup(_server, impl) {
    return { server: await STREAMS_IMPLS.find((i) => i.key === impl.key).start(), streams: 0 };
  },
  async teardown(state) {
    await state.server.stop();
  },
};

/** A fresh stream name on this server. */
export const streamName = (state, kind) => `${kind}-${Date.now().toString(36)}-${state.streams++}`;

const json = { "content-type": "application/json" };
/** A small chat-sized JSON message (~60 bytes). */
const msg = (i) => JSON.stringify({ i, user: "bench", text: "a small chat-sized message" });

export async function createStream(base, name) {
  const res = await fetch(`${base}/v1/stream/${name}`, { method: "PUT", headers: json });
  if (res.status !== 201) throw new Error(`create ${name}: ${res.status}`);
}

/** Writers append one message each, sequentially, for `ms`; every append is acknowledged before the next. */
export async function appendThroughput(base, name, writers, ms) {
  await createStream(base, name);
  const t0 = performance.now();
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
  const seconds = (performance.now() - t0) / 1000;
  const stored = await readAll(base, name);
  return { appended: n, stored: stored.count, perSec: n / seconds };
}

/** Reads a stream from the start to the tail, following Stream-Next-Offset. */
export async function readAll(base, name) {
  let offset = "-1";
  let count = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const res = await fetch(`${base}/v1/stream/${name}?offset=${encodeURIComponent(offset)}`);
    if (!res.ok) throw new Error(`read ${name}: ${res.status}`);
    count += JSON.parse(await res.text()).length;
    offset = res.headers.get("stream-next-offset");
    if (res.headers.get("stream-up-to-date") === "true") break;
  }
  return { count };
}

/** Fills a stream with `messages` messages (batches of 1,000, unmeasured), then times a read of all of it. */
export async function catchUp(base, name, messages) {
  await createStream(base, name);
  const batch = 1_000;
  for (let i = 0; i < messages; i += batch) {
    const body = `[${Array.from({ length: Math.min(batch, messages - i) }, (_, k) => msg(i + k)).join(",")}]`;
    const res = await fetch(`${base}/v1/stream/${name}`, { method: "POST", headers: json, body });
    if (!res.ok) throw new Error(`fill: ${res.status}`);
  }
  const t0 = performance.now();
  const { count } = await readAll(base, name);
  return { count, seconds: (performance.now() - t0) / 1000 };
}

/** `readers` SSE readers at the tail; the writer appends `messages` timestamped messages, `gapMs` apart. */
export async function fanout(base, name, readers, messages, gapMs = 50) {
  await createStream(base, name);
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
              if (done) return resolve();
              buf += decoder.decode(value, { stream: true });
              let at;
              while ((at = buf.indexOf("\n\n")) >= 0) {
                const block = buf.slice(0, at);
                buf = buf.slice(at + 2);
                if (block.startsWith("event: control")) markReady();
                if (!block.startsWith("event: data")) continue;
                const now = performance.now();
                const data = block
                  .split("\n")
                  .filter((l) => l.startsWith("data:"))
                  .map((l) => l.slice(5))
                  .join("\n");
                for (const m of JSON.parse(data)) {
                  latencies.push(now - m.sent);
                  if (++received[r] === messages) resolve();
                }
              }
            }
          })
          .catch((e) => (e.name === "AbortError" ? resolve() : reject(e)));
      }),
  );
  await Promise.race([
    Promise.all(ready),
    new Promise((_, reject) => setTimeout(() => reject(new Error("SSE readers not ready within 30 s")), 30_000).unref()),
  ]);
  for (let i = 0; i < messages; i++) {
    const res = await fetch(`${base}/v1/stream/${name}`, { method: "POST", headers: json, body: JSON.stringify({ i, sent: performance.now() }) });
    if (!res.ok) throw new Error(`append: ${res.status}`);
    await sleep(gapMs);
  }
  await Promise.race([Promise.all(done), new Promise((r) => setTimeout(r, 30_000).unref())]);
  for (const a of aborts) a.abort();
  // One more append wakes the handlers still waiting for data, so they notice their readers are gone
  // before the server is stopped (the reference's handlers otherwise touch its closed LMDB and log errors).
  await fetch(`${base}/v1/stream/${name}`, { method: "POST", headers: json, body: JSON.stringify({ i: -1, sent: performance.now() }) });
  await sleep(200);
  return { latencies, missing: received.reduce((n, c) => n + (messages - c), 0) };
}
