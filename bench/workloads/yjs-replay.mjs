// Yjs replay: one client types a real editing trace in batches, another follows.
import { replayWorkload } from "../lib/yreplay.mjs";

export default replayWorkload({
  name: "yjs-replay",
  title: "Yjs replay of automerge-paper (a real editing trace)",
  sizes: { full: { edits: Infinity, batch: 100, settleMs: 3_000 }, smoke: { edits: 2_000, batch: 100, settleMs: 2_500, syntheticIfMissing: true } },
});
