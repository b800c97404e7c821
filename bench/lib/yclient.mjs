// y-websocket providers from Node, and the editing trace.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { waitFor } from "./clients.mjs";

/**
 * `ws` without permessage-deflate: it offers no extension, so none is negotiated.
 * y-websocket constructs its socket with (url, protocols) only, hence a subclass.
 */
class UncompressedWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols, { perMessageDeflate: false });
  }
}

/**
 * A y-websocket provider for `room` on `serverUrl`, with its own document.
 * `deflate: false` (opt-in, for diagnosis) makes its socket not offer
 * permessage-deflate; by default it offers it, as every browser does.
 *
 * @example
 * ```js
 * const p = provider("ws://127.0.0.1:8787/parties/yjs", "room-1", { deflate: false });
 * await synced(p, "writer");
 * ```
 */
export function provider(serverUrl, room, { deflate = true } = {}) {
  const doc = new Y.Doc();
  const WebSocketPolyfill = deflate ? WebSocket : UncompressedWebSocket;
  const p = new WebsocketProvider(serverUrl, room, doc, { WebSocketPolyfill, disableBc: true });
  // The provider leaves its awareness (a 3 s interval) and document alive;
  // without this the bench process never exits.
  const destroy = p.destroy.bind(p);
  p.destroy = () => {
    destroy();
    p.awareness.destroy();
    doc.destroy();
  };
  return p;
}

export async function synced(p, what, timeoutMs = 60_000) {
  await waitFor(() => p.synced, `${what} to sync`, timeoutMs);
}

/** Loads an editing trace (`{ startContent, endContent, txns: [{ patches: [[pos, del, ins]] }] }`). */
export function loadTrace(file, maxEdits = Infinity) {
  const trace = JSON.parse(gunzipSync(readFileSync(file)).toString("utf8"));
  const patches = [];
  for (const txn of trace.txns) for (const p of txn.patches) patches.push(p);
  if (maxEdits >= patches.length) return { start: trace.startContent, end: trace.endContent, patches };
  const cut = patches.slice(0, maxEdits);
  let text = trace.startContent;
  for (const [pos, del, ins] of cut) text = text.slice(0, pos) + ins + text.slice(pos + del);
  return { start: trace.startContent, end: text, patches: cut };
}

/**
 * A deterministic stand-in for a trace (someone typing with a moving cursor and
 * the odd backspace), used only by `--smoke` when ../shared/traces is not there
 * (a clone without the shared folder): the smoke run proves the harness, not a figure.
 */
export function syntheticTrace(edits) {
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const patches = [];
  let text = "";
  let cursor = 0;
  for (let i = 0; i < edits; i++) {
    if (rand() < 0.05) cursor = Math.floor(rand() * (text.length + 1));
    if (cursor > 0 && rand() < 0.1) {
      patches.push([cursor - 1, 1, ""]);
      text = text.slice(0, cursor - 1) + text.slice(cursor);
      cursor--;
    } else {
      const ch = "abcdefghijklmnopqrstuvwxyz  ."[Math.floor(rand() * 29)];
      patches.push([cursor, 0, ch]);
      text = text.slice(0, cursor) + ch + text.slice(cursor);
      cursor++;
    }
  }
  return { start: "", end: text, patches };
}

/** Applies patches[from, to) to `text` in one transaction (one update on the wire). */
export function applyPatches(doc, text, patches, from, to) {
  doc.transact(() => {
    for (let i = from; i < to; i++) {
      const [pos, del, ins] = patches[i];
      if (del > 0) text.delete(pos, del);
      if (ins) text.insert(pos, ins);
    }
  });
}
