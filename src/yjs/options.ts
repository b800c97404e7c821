/**
 * A Yjs room's options: what each one means, its default, and the checks that
 * turn a nonsensical value into a clear error when the room is created.
 * @module
 */
import { definedOnly } from "../defined.js";
import { RoomkitError } from "../errors.js";

/** Options of a {@link YRoom}, passed to its constructor. */
export type YRoomOptions = {
  /** Yjs garbage collection of deleted content. Turn off to keep full history (e.g. for snapshots/versions). Default `true`. */
  gc?: boolean;
  /** Largest accepted message (or chunked message, or HTTP update), in bytes. Larger ones close the connection with 1009 / answer 413. Default 8 MiB. */
  maxMessageBytes?: number;
  /** Longest time an update stays only in the update log before the log is compacted into the snapshot, in ms. Default 30 000. */
  compactDelay?: number;
  /**
   * A document smaller than this as stored (snapshot and log, in bytes) is
   * not compacted by the `compactDelay` timer, only when the last client
   * leaves (or past `compactLogBytes` / `compactLogUpdates`): building it
   * from its log costs no more than from a snapshot, so the timer's wake-up
   * (an alarm, billed as a request, that starts a hibernated room) would buy
   * nothing. `0` times every document. Default 16 KiB.
   */
  compactMinBytes?: number;
  /** The log is also compacted as soon as it holds more than this many bytes *and* more bytes than the snapshot. Default 1 MiB. */
  compactLogBytes?: number;
  /** ... or more than this many updates. Default 10 000. */
  compactLogUpdates?: number;
  /** Longest time a change waits before `onSave` is called, in ms (only if the class defines `onSave`). Default 5 000. */
  saveDelay?: number;
  /**
   * Group commit: when updates are written to the log (each write is one row,
   * and its updates are broadcast right after it).
   *
   * - `"auto"` (the default): an update that arrives while no write is
   *   waiting to become durable is written and broadcast at once, so a lone
   *   keystroke waits for nothing but its own commit; updates that arrive
   *   while a commit is in flight are written together, as one row, as soon
   *   as it is durable (`storage.sync()`) and the messages queued behind it
   *   are read. When several gathered (a paste, a replay), each next batch
   *   gathers for 10 ms, until a window gathers nothing: a burst costs a
   *   commit per 10 ms, not one per update.
   * - A number of ms: a fixed window. The first update of a batch waits up to
   *   this long, so that updates arriving within it share one row; fewer rows
   *   at typing speed, at the cost of that much latency. `0` writes each
   *   update on its own.
   *
   * Either way a batch of 256 updates or `compactLogBytes` bytes is written
   * at once, and the room writes what waits before showing document state.
   *
   * @example
   * ```ts
   * super(room, { batchDelay: 20 }); // at most 20 ms of extra latency, fewer rows
   * ```
   */
  batchDelay?: number | "auto";
  /**
   * Largest document, in bytes of its encoded state (`Y.encodeStateAsUpdate`).
   * A client or HTTP update that would grow it past this is refused: the
   * connection is closed with 1009 (HTTP: 413) and the stored document is
   * left as it was. Edits made by server code are not limited. Default 32 MiB
   * (a room's memory is 128 MB, and a loaded Yjs document takes several times
   * its encoded size).
   */
  maxDocumentBytes?: number;
  /** Client ids one connection may set presence (awareness) for — its own, typically one. One more closes it with 1008. Default 4. */
  maxAwarenessClients?: number;
  /** UTF-8 bytes of the presence states one connection sets, together. More closes it with 1008. Default 64 KiB. */
  maxAwarenessBytesPerConnection?: number;
  /** UTF-8 bytes of every presence state in the room, together; new states past it are ignored (not stored, not relayed). Default 1 MiB. */
  maxAwarenessBytes?: number;
  /** Sustained bytes per second one connection may send (every frame counts). Faster senders are closed with 1008. Default 1 MiB. */
  bytesPerSecond?: number;
  /** Bytes one connection may send at once above that rate. Default 2 × `maxMessageBytes` (so the largest initial sync fits). */
  bytesBurst?: number;
  /** Longest time a y-partykit chunked message may take from start to end marker, in ms. Slower ones close the sender with 1008. Default 30 000. */
  chunkTimeoutMs?: number;
  /** Announced bytes of all chunked messages in progress in the room, together; one more is refused with 1013. Default 2 × `maxMessageBytes`. */
  maxPendingChunkBytes?: number;
};

/** Every option of a {@link YRoomOptions}, defaults filled in. */
export type ResolvedYRoomOptions = Required<YRoomOptions>;

const MIB = 1024 * 1024;
const DEFAULTS = {
  gc: true,
  maxMessageBytes: 8 * MIB,
  compactDelay: 30_000,
  compactMinBytes: 16 * 1024,
  compactLogBytes: MIB,
  compactLogUpdates: 10_000,
  saveDelay: 5_000,
  batchDelay: "auto",
  maxDocumentBytes: 32 * MIB,
  maxAwarenessClients: 4,
  maxAwarenessBytesPerConnection: 64 * 1024,
  maxAwarenessBytes: MIB,
  bytesPerSecond: MIB,
  chunkTimeoutMs: 30_000,
} satisfies Omit<Required<YRoomOptions>, "bytesBurst" | "maxPendingChunkBytes">;

/**
 * Fills in the defaults and checks every value; throws a RoomkitError naming
 * the first option that makes no sense.
 *
 * @example
 * ```ts
 * const o = resolveYRoomOptions({ batchDelay: 0 });
 * o.maxMessageBytes; // 8 MiB, the default
 * ```
 */
export function resolveYRoomOptions(options: YRoomOptions): ResolvedYRoomOptions {
  const o = { ...DEFAULTS, ...definedOnly(options) };
  const resolved = { bytesBurst: 2 * o.maxMessageBytes, maxPendingChunkBytes: 2 * o.maxMessageBytes, ...o };
  checkOptions(resolved);
  return resolved;
}

function checkOptions(o: ResolvedYRoomOptions): void {
  for (const key of ["maxMessageBytes", "compactDelay", "compactLogBytes", "compactLogUpdates", "saveDelay", "chunkTimeoutMs"] as const) {
    if (!(Number.isFinite(o[key]) && o[key] > 0)) throw new RoomkitError(`YRoom option \`${key}\` must be a positive number, got ${String(o[key])}.`);
  }
  // Limits may be switched off with Infinity.
  for (const key of [
    "maxDocumentBytes",
    "maxAwarenessClients",
    "maxAwarenessBytesPerConnection",
    "maxAwarenessBytes",
    "bytesPerSecond",
    "bytesBurst",
    "maxPendingChunkBytes",
  ] as const) {
    if (!(o[key] > 0)) throw new RoomkitError(`YRoom option \`${key}\` must be a positive number (or Infinity), got ${String(o[key])}.`);
  }
  if (!(o.compactMinBytes >= 0)) {
    throw new RoomkitError(`YRoom option \`compactMinBytes\` must be 0 or a positive number (or Infinity), got ${String(o.compactMinBytes)}.`);
  }
  if (o.batchDelay !== "auto" && !(typeof o.batchDelay === "number" && Number.isFinite(o.batchDelay) && o.batchDelay >= 0)) {
    throw new RoomkitError(
      `YRoom option \`batchDelay\` must be "auto", 0 or a positive number of milliseconds, got ${typeof o.batchDelay === "string" ? JSON.stringify(o.batchDelay) : String(o.batchDelay)}.`,
    );
  }
}
