// Reaching into a room's Durable Object: its Yjs tables, and its alarm with the clock moved forward.
import { env, runInDurableObject } from "cloudflare:test";
import { runAlarmLater } from "../../support/alarm.js";
import * as Y from "yjs";

const BINDINGS: Record<string, keyof Cloudflare.Env> = {
  doc: "DOC",
  "timed-doc": "TIMED_DOC",
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

export type Tables = {
  /** 1: the three tables of V1 updates written by earlier releases; 2: one table, V2 snapshot (0 when nothing is stored). */
  format: 0 | 1 | 2;
  logRows: number;
  logSeqs: number;
  /** Log updates stored in the V2 encoding. */
  logV2: number;
  snapshotParts: number;
  /** The snapshot's stored encoding (the `v2` column): 0 V1, 1 V2, 2 V1 deflated; `undefined` without a snapshot. */
  snapshotEncoding: number | undefined;
  snapshotBytes: number;
  partSizes: number[];
  meta: Record<string, unknown>;
  doc: Y.Doc;
};

const join = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) out.set(p, (o += p.byteLength) - p.byteLength);
  return out;
};

/** What the room has on disk, in either storage format, and the document rebuilt from it alone. */
export async function tables(party: string, room: string, gc = true): Promise<Tables> {
  return runInDurableObject(stubOf(party, room), async (_instance, state) => {
    const sql = state.storage.sql;
    const doc = new Y.Doc({ gc });
    const names = new Set([...sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")].map((r) => r.name));
    const empty: Tables = {
      format: 0,
      logRows: 0,
      logSeqs: 0,
      logV2: 0,
      snapshotParts: 0,
      snapshotEncoding: undefined,
      snapshotBytes: 0,
      partSizes: [],
      meta: {},
      doc,
    };
    type Row = { seq: number; v2: number; data: ArrayBuffer | string };
    let format: 1 | 2;
    let meta: Record<string, unknown> = {};
    let snapshot: Row[];
    let log: Row[];
    if (names.has("_roomkit_yjs_meta")) {
      format = 1;
      for (const r of sql.exec<{ key: string; value: string }>("SELECT key, value FROM _roomkit_yjs_meta")) meta[r.key] = r.value;
      snapshot = [...sql.exec<Row>("SELECT 0 AS seq, 0 AS v2, data FROM _roomkit_yjs_snapshot ORDER BY part")];
      log = [...sql.exec<Row>("SELECT seq, 0 AS v2, data FROM _roomkit_yjs_log ORDER BY seq, part")];
    } else if (names.has("_roomkit_ydoc")) {
      format = 2;
      // Row ids are seq × 65536 + part.
      const rows = [...sql.exec<Row>("SELECT CASE WHEN id < 0 THEN -1 ELSE id / 65536 END AS seq, v2, data FROM _roomkit_ydoc ORDER BY id")];
      const metaRow = rows.find((r) => r.seq === -1);
      if (metaRow) meta = JSON.parse(metaRow.data as string);
      snapshot = rows.filter((r) => r.seq === 0);
      log = rows.filter((r) => r.seq > 0);
    } else return empty;
    const bytes = (r: Row) => new Uint8Array(r.data as ArrayBuffer);
    const apply = (v2: boolean, update: Uint8Array) => (v2 ? Y.applyUpdateV2 : Y.applyUpdate)(doc, update);
    if (snapshot.length) {
      const stored = join(snapshot.map(bytes));
      if (snapshot[0]!.v2 === 2) apply(false, await inflate(stored));
      else apply(snapshot[0]!.v2 === 1, stored);
    }
    const bySeq = new Map<number, Row[]>();
    for (const r of log) bySeq.set(r.seq, [...(bySeq.get(r.seq) ?? []), r]);
    let logV2 = 0;
    for (const rows of bySeq.values()) {
      if (rows[0]!.v2 === 1) logV2++;
      apply(rows[0]!.v2 === 1, join(rows.map(bytes)));
    }
    return {
      format,
      logRows: log.length,
      logSeqs: bySeq.size,
      logV2,
      snapshotParts: snapshot.length,
      snapshotEncoding: snapshot[0]?.v2,
      snapshotBytes: snapshot.reduce((n, p) => n + bytes(p).byteLength, 0),
      partSizes: snapshot.map((p) => bytes(p).byteLength),
      meta,
      doc,
    };
  });
}

/** Raw DEFLATE undone with the platform's own stream (independently of the room's code). */
async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Runs the room's alarm as if `ms` had passed, so timers due by then fire. */
export function fireLater(party: string, room: string, ms = 3_600_000): Promise<boolean> {
  return runAlarmLater(stubOf(party, room), ms);
}
