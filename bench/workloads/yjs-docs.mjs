// Yjs many docs: many rooms with a small document each, then idle.
import { sleep, waitFor } from "../lib/clients.mjs";
import { YJS_IMPLS, YJS_REFERENCES } from "../lib/impls.mjs";
import { provider, synced } from "../lib/yclient.mjs";

const TEXT = "A small document: a title, a sentence or two of notes, nothing more. ".repeat(3);

export default {
  name: "yjs-docs",
  title: "Yjs many documents, then idle",
  impls: YJS_IMPLS,
  references: YJS_REFERENCES,
  mode: "fresh",
  sizes: { full: { docs: 500, idleMs: 15_000 }, smoke: { docs: 5, idleMs: 500 } },
  describe: (s) =>
    `${s.docs} rooms in a freshly started workerd, each opened by one y-websocket client that writes ${TEXT.length} characters and stays connected without presence; memory is read when all are loaded and again after ${s.idleMs / 1000} s of silence`,
  figures: {
    loadedMiB: { label: "workerd RSS growth, all loaded MiB", better: "lower", digits: 1 },
    idleMiB: { label: "workerd RSS growth, idle MiB", better: "lower", digits: 1 },
  },
  async sample(server, impl, s, tag) {
    const url = impl.serverUrl(server.ws);
    // Load the worker and the class once before the baseline.
    const warm = provider(url, `docs-warm-${tag}`);
    await synced(warm, "warm-up client");
    warm.destroy();
    await sleep(200);
    const rss0 = server.rss();
    const providers = [];
    try {
      for (let i = 0; i < s.docs; i += 50) {
        const group = [];
        for (let j = i; j < Math.min(s.docs, i + 50); j++) group.push(provider(url, `docs-${tag}-${j}`));
        await waitFor(() => group.every((p) => p.synced), "documents to sync");
        for (const p of group) {
          p.doc.getText("t").insert(0, TEXT);
          p.awareness.setLocalState(null); // no presence renewals: the room may go quiet
        }
        providers.push(...group);
      }
      // Each document is confirmed by a second client reading it back.
      const check = provider(url, `docs-${tag}-${s.docs - 1}`);
      await waitFor(() => check.synced && check.doc.getText("t").length === TEXT.length, "last document to persist");
      check.destroy();
      await sleep(500);
      const loaded = server.rss();
      await sleep(s.idleMs);
      const idle = server.rss();
      return { values: { loadedMiB: (loaded - rss0) / 2 ** 20, idleMiB: (idle - rss0) / 2 ** 20 } };
    } finally {
      for (const p of providers) p.destroy();
    }
  },
};
