// One client types an editing trace into a Yjs server while another follows;
// then a new client loads the document from a cold object. Shared by the
// batched replay (yjs-replay) and the per-keystroke one (yjs-keystrokes).
import { existsSync } from "node:fs";
import path from "node:path";
import * as Y from "yjs";
import { sleep, waitFor } from "./clients.mjs";
import { YJS_IMPLS, YJS_REFERENCES } from "./impls.mjs";
import { benchDir } from "./server.mjs";
import { applyPatches, loadTrace, provider, synced, syntheticTrace } from "./yclient.mjs";

const TRACE = path.join(benchDir, "../../shared/traces/automerge-paper.json.gz");
/** Traces by edit count: each workload cuts the trace at its own length. */
const traces = new Map();

function traceFor(s) {
  let trace = traces.get(s.edits);
  if (!trace) {
    if (existsSync(TRACE)) trace = loadTrace(TRACE, s.edits);
    else if (s.syntheticIfMissing) trace = { ...syntheticTrace(s.edits), synthetic: true };
    else throw new Error(`${TRACE} is missing: the Yjs replay needs the shared editing traces (see docs/benchmarks.md)`);
    traces.set(s.edits, trace);
  }
  return trace;
}

/**
 * The floor: the same replay, same transactions, between two in-process
 * `Y.Doc`s — no server, no network, no storage. How long Yjs itself takes.
 */
export function floorMs(trace, batch) {
  const a = new Y.Doc();
  const b = new Y.Doc();
  try {
    a.on("update", (u) => Y.applyUpdate(b, u));
    const aText = a.getText("t");
    const bText = b.getText("t");
    const t0 = performance.now();
    for (let i = 0; i < trace.patches.length; i += batch) applyPatches(a, aText, trace.patches, i, Math.min(trace.patches.length, i + batch));
    if (bText.toString() !== trace.end) throw new Error("the in-process replay does not match the trace's endContent");
    return performance.now() - t0;
  } finally {
    a.destroy();
    b.destroy();
  }
}

/**
 * A Yjs replay workload.
 *
 * @example
 * ```js
 * export default replayWorkload({ name: "yjs-replay", title: "…", sizes: { full: { edits: Infinity, batch: 100, settleMs: 3_000 }, smoke: { … } } });
 * ```
 */
export function replayWorkload({ name, title, sizes }) {
  return {
    name,
    title,
    impls: YJS_IMPLS,
    references: YJS_REFERENCES,
    mode: "rooms", // one workerd, a new room per sample
    sizes,
    describe: (s) => {
      const t = traces.get(s.edits);
      const edits = t ? t.patches.length.toLocaleString("en") : Number.isFinite(s.edits) ? `the first ${s.edits.toLocaleString("en")}` : "all";
      const what = t?.synthetic ? "a synthetic trace (../shared/traces is missing)" : "automerge-paper.json.gz";
      const per =
        s.batch === 1 ? "one edit per transaction (one update per keystroke, as an editor sends them)" : `${s.batch} edits per transaction (one update each)`;
      return `${edits} edits of ${what} typed by one y-websocket client, ${per}, sent as fast as the socket takes them, while a second client follows; then both leave, and after ${s.settleMs / 1000} s a new client loads the document from a cold (aborted) object. The Yjs floor is the same replay between two in-process Y.Docs (no server, no network), measured in the same sample`;
    },
    figures: {
      convergeMs: { label: "until follower has endContent ms", better: "lower", digits: 0 },
      updatesPerSec: { label: "updates/s", better: "higher", digits: 0 },
      floorMs: { label: "Yjs floor (in-process) ms", better: "lower", digits: 0 },
      writtenKiB: { label: "bytes written to storage KiB", better: "lower", digits: 0 },
      writes: { label: "storage writes", better: "lower", digits: 0 },
      storageKiB: { label: "storage size at end KiB", better: "lower", digits: 0 },
      coldLoadMs: { label: "cold load by a new client ms", better: "lower", digits: 0 },
    },
    async sample(server, impl, s, tag) {
      const trace = traceFor(s);
      // The faster of two: the work is identical, so the slower one only measured the shared machine.
      const floor = Math.min(floorMs(trace, s.batch), floorMs(trace, s.batch));
      const url = impl.serverUrl(server.ws);
      const room = `${name}-${tag}`;
      const writer = provider(url, room);
      const follower = provider(url, room);
      try {
        await synced(writer, "writer");
        await synced(follower, "follower");
        const wText = writer.doc.getText("t");
        const fText = follower.doc.getText("t");
        let converged = 0;
        const end = trace.end;
        follower.doc.on("update", () => {
          if (!converged && fText.length === end.length && fText.toString() === end) converged = performance.now();
        });
        const t0 = performance.now();
        for (let i = 0; i < trace.patches.length; i += s.batch) {
          applyPatches(writer.doc, wText, trace.patches, i, Math.min(trace.patches.length, i + s.batch));
          // Yield so the socket flushes and the follower's messages are handled while typing goes on.
          await new Promise((r) => setImmediate(r));
        }
        if (wText.toString() !== end) throw new Error("the writer's replay does not match the trace's endContent");
        await waitFor(() => converged > 0, `${impl.label}: follower to reach endContent`, 300_000);
        const convergeMs = converged - t0;
        writer.destroy();
        follower.destroy();
        await sleep(s.settleMs);
        const stats = await (await fetch(`${server.http}/__bench/${impl.binding}/${room}/stats`)).json();
        await (await fetch(`${server.http}/__bench/${impl.binding}/${room}/abort`)).text();
        await sleep(100);
        const t1 = performance.now();
        const reader = provider(url, room);
        const rText = reader.doc.getText("t");
        try {
          await waitFor(() => reader.synced && rText.length === end.length && rText.toString() === end, `${impl.label}: cold load`, 60_000);
        } finally {
          reader.destroy();
        }
        const coldLoadMs = performance.now() - t1;
        const updates = Math.ceil(trace.patches.length / s.batch);
        return {
          values: {
            convergeMs,
            updatesPerSec: updates / (convergeMs / 1000),
            floorMs: floor,
            writtenKiB: stats.bytesWritten / 1024,
            writes: stats.writes,
            storageKiB: stats.databaseSize / 1024,
            coldLoadMs,
          },
        };
      } finally {
        writer.destroy();
        follower.destroy();
      }
    },
  };
}
