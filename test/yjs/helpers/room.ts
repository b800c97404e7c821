// Reaching into a room's Durable Object: its Yjs tables, and its alarm with the clock moved forward.
import { env, runInDurableObject } from "cloudflare:test";
import { runAlarmLater } from "../../support/alarm.js";
import * as Y from "yjs";

const BINDINGS: Record<string, keyof Cloudflare.Env> = {
  doc: "DOC",
  "mem-doc": "MEM_DOC",
  "tiny-doc": "TINY_DOC",
  "lazy-doc": "LAZY_DOC",
  "batched-doc": "BATCHED_DOC",
  "batched-compacting-doc": "BATCHED_COMPACTING_DOC",
  "nogc-doc": "NOGC_DOC",
  "hook-doc": "HOOK_DOC",
  "guarded-doc": "GUARDED_DOC",
  "limited-doc": "LIMITED_DOC",
};

export function stubOf(party: string, room: string): DurableObjectStub {
  const ns = env[BINDINGS[party]] as DurableObjectNamespace;
  return ns.get(ns.idFromName(room));
}

export type Tables = { logRows: number; logSeqs: number; snapshotParts: number; snapshotBytes: number; partSizes: number[]; doc: Y.Doc };

/** What the room has on disk, and the document rebuilt from it alone. */
export async function tables(party: string, room: string, gc = true): Promise<Tables> {
  return runInDurableObject(stubOf(party, room), (_instance, state) => {
    const sql = state.storage.sql;
    const doc = new Y.Doc({ gc });
    const created = [...sql.exec("SELECT name FROM sqlite_master WHERE name = '_roomkit_yjs_log'")].length > 0;
    if (!created) return { logRows: 0, logSeqs: 0, snapshotParts: 0, snapshotBytes: 0, partSizes: [], doc };
    const snapshot = [...sql.exec<{ data: ArrayBuffer }>("SELECT data FROM _roomkit_yjs_snapshot ORDER BY part")].map((r) => new Uint8Array(r.data));
    const log = [...sql.exec<{ seq: number; data: ArrayBuffer }>("SELECT seq, data FROM _roomkit_yjs_log ORDER BY seq, part")];
    const join = (parts: Uint8Array[]) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let o = 0;
      for (const p of parts) out.set(p, (o += p.byteLength) - p.byteLength);
      return out;
    };
    if (snapshot.length) Y.applyUpdate(doc, join(snapshot));
    const bySeq = new Map<number, Uint8Array[]>();
    for (const r of log) bySeq.set(r.seq, [...(bySeq.get(r.seq) ?? []), new Uint8Array(r.data)]);
    for (const parts of bySeq.values()) Y.applyUpdate(doc, join(parts));
    return {
      logRows: log.length,
      logSeqs: bySeq.size,
      snapshotParts: snapshot.length,
      snapshotBytes: snapshot.reduce((n, p) => n + p.byteLength, 0),
      partSizes: [...snapshot.map((p) => p.byteLength)],
      doc,
    };
  });
}

/** Runs the room's alarm as if `ms` had passed, so timers due by then fire. */
export function fireLater(party: string, room: string, ms = 3_600_000): Promise<boolean> {
  return runAlarmLater(stubOf(party, room), ms);
}
