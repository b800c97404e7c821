// Yjs replay: one client types a real editing trace in batches, another follows.
import { existsSync } from "node:fs";
import path from "node:path";
import { sleep, waitFor } from "../lib/clients.mjs";
import { YJS_IMPLS, YJS_REFERENCES } from "../lib/impls.mjs";
import { benchDir } from "../lib/server.mjs";
import { applyPatches, loadTrace, provider, synced, syntheticTrace } from "../lib/yclient.mjs";

const TRACE = path.join(benchDir, "../../shared/traces/automerge-paper.json.gz");
let trace;

export default {
  name: "yjs-replay",
  title: "Yjs replay of automerge-paper (a real editing trace)",
  impls: YJS_IMPLS,
  references: YJS_REFERENCES,
  mode: "rooms", // one workerd, a new room per sample
  sizes: { full: { edits: Infinity, batch: 100, settleMs: 3_000 }, smoke: { edits: 2_000, batch: 100, settleMs: 2_500, syntheticIfMissing: true } },
  describe: (s, t = trace) =>
    `${t ? t.patches.length.toLocaleString("en") : "all"} edits of ${t?.synthetic ? "a synthetic trace (../shared/traces is missing)" : "automerge-paper.json.gz"} typed by one y-websocket client, ${s.batch} edits per transaction (one update each, sent as fast as the socket takes them), while a second client follows; then both leave, and after ${s.settleMs / 1000} s a new client loads the document from a cold (aborted) object`,
  figures: {
    convergeMs: { label: "until follower has endContent ms", better: "lower", digits: 0 },
    writtenKiB: { label: "bytes written to storage KiB", better: "lower", digits: 0 },
    storageKiB: { label: "storage size at end KiB", better: "lower", digits: 0 },
    coldLoadMs: { label: "cold load by a new client ms", better: "lower", digits: 0 },
  },
  async sample(server, impl, s, tag) {
    if (!trace) {
      if (existsSync(TRACE)) trace = loadTrace(TRACE, s.edits);
      else if (s.syntheticIfMissing) trace = { ...syntheticTrace(s.edits), synthetic: true };
      else throw new Error(`${TRACE} is missing: the Yjs replay needs the shared editing traces (see docs/benchmarks.md)`);
    }
    const url = impl.serverUrl(server.ws);
    const room = `replay-${tag}`;
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
      return { values: { convergeMs, writtenKiB: stats.bytesWritten / 1024, storageKiB: stats.databaseSize / 1024, coldLoadMs } };
    } finally {
      writer.destroy();
      follower.destroy();
    }
  },
};
