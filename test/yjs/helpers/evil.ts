// Hostile Yjs input shared by the bad-input, batching and storage tests.
import * as Y from "yjs";

/**
 * An update, on top of `base`, whose delete set is cut short: Yjs integrates
 * its insert ("EVIL" at 0), emits it, and only then throws. The room must
 * rebuild its document from storage, keeping nothing of it.
 */
export function halfValidUpdate(base: Y.Doc): Uint8Array {
  const evil = new Y.Doc();
  Y.applyUpdate(evil, Y.encodeStateAsUpdate(base));
  const sv = Y.encodeStateVector(evil);
  evil.getText("t").insert(0, "EVIL");
  evil.getText("t").delete(5, 1);
  const u = Y.encodeStateAsUpdate(evil, sv);
  return u.slice(0, u.length - 1);
}
