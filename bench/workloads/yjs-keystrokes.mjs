// Per-keystroke Yjs editing: the start of the same trace, one edit per update (what an editor sends).
import { replayWorkload } from "../lib/yreplay.mjs";

export default replayWorkload({
  name: "yjs-keystrokes",
  title: "Yjs per-keystroke editing (automerge-paper, one edit per update)",
  sizes: { full: { edits: 20_000, batch: 1, settleMs: 3_000 }, smoke: { edits: 500, batch: 1, settleMs: 2_500, syntheticIfMissing: true } },
});
