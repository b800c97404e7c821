/**
 * Group commit: effective updates that arrive together are written as one
 * log row and broadcast together, so a burst of edits costs one storage
 * commit instead of one per keystroke. Nothing is revealed to any client
 * before it is written: the room flushes the batch before every message or
 * response that shows document state.
 *
 * By default ("auto") the batch is shaped by the storage, as the streams'
 * appends are (`src/streams/group-commit.ts`): an update that arrives while
 * no write is waiting to become durable is written at once — a lone
 * keystroke pays for its own commit and nothing more —, and updates that
 * arrive while a commit is in flight gather until it is durable
 * (`storage.sync()`) and the messages already queued behind it have been
 * read (one timer turn), then are written together. Locally a commit is
 * durable before the next message is read, so that timer turn is what
 * gathers a backlog there. When several gathered (a paste, a fast client, a
 * replay), the room is busy: the next batch gathers for
 * {@link BURST_WINDOW_MS}, and so on until a window gathers nothing. A fixed window (`batchDelay: N`) instead holds the first update of
 * every batch up to N ms.
 * @module
 */

/** An effective update waiting to be written, and where it came from (a connection, HTTP, or server code). */
export type PendingUpdate = { update: Uint8Array; origin: unknown };

/** A batch this long is written at once: merging stays cheap (Yjs merges a few hundred small updates in microseconds each). */
export const MAX_BATCH_UPDATES = 256;

/**
 * While updates keep arriving faster than they are written (several gathered
 * behind one commit), each batch gathers this long: the rows and bytes of
 * the fixed 10 ms window in a burst, with none of its latency outside one.
 */
export const BURST_WINDOW_MS = 10;

/** How a {@link WriteBatch} decides when to write: `"auto"` (see the module comment), or a fixed window in ms (`0`: every update at once). */
export type BatchDelay = number | "auto";

/** What a {@link WriteBatch} needs. */
export type WriteBatchOptions = {
  /** `"auto"`: write at once unless a commit is in flight, else once it is durable. A number: the longest time, in ms, the first update of a batch waits. */
  delay: BatchDelay;
  /** A batch this large (or {@link MAX_BATCH_UPDATES} long) is written without waiting. */
  maxBytes: number;
  /** Resolves once everything written so far is durable (the object's `storage.sync()`); used by `"auto"` only. */
  durable: () => Promise<void>;
  /** Writes and broadcasts a batch (oldest first), synchronously. */
  write: (batch: PendingUpdate[]) => void;
  /** A write that ran from a timer or after a commit, not from a caller, failed: report it. */
  onError: (error: unknown) => void;
};

/**
 * Group commit of effective updates: written (and broadcast) together, at
 * once when nothing is in flight, or once the write in flight is durable
 * (`"auto"`), or after a fixed window; and at once when the batch is large.
 *
 * @example
 * ```ts
 * const batch = new WriteBatch({
 *   delay: "auto",
 *   maxBytes: 1 << 20,
 *   durable: () => ctx.storage.sync(),
 *   write: (updates) => writeAndBroadcast(updates),
 *   onError: (e) => console.error(e),
 * });
 * batch.add(update, connection); // written now, or with the others once the commit in flight is durable
 * batch.flush();                 // or now, whatever is in flight
 * ```
 */
export class WriteBatch {
  readonly #options: WriteBatchOptions;
  #pending: PendingUpdate[] = [];
  #bytes = 0;
  /** The fixed window's timer. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** "auto": counts gathering phases, so that only the latest one's end writes. */
  #phases = 0;
  /** "auto": updates arriving now gather (a write's commit is in flight, or a burst's window is open). */
  #gathering = false;
  /** "auto": the phase gathering now is a burst's window. */
  #bursting = false;

  constructor(options: WriteBatchOptions) {
    this.#options = options;
  }

  /** Bytes of the updates waiting to be written. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Forgets what is waiting, unwritten (the document it belonged to is gone). */
  discard(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    this.#bytes = 0;
  }

  add(update: Uint8Array, origin: unknown): void {
    this.#pending.push({ update, origin });
    this.#bytes += update.byteLength;
    const { delay, maxBytes } = this.#options;
    if (this.#bytes >= maxBytes || this.#pending.length >= MAX_BATCH_UPDATES) {
      this.flush();
      return;
    }
    if (delay === "auto") {
      // Updates only wait while a phase gathers them: nothing is left waiting when it ends.
      if (!this.#gathering) this.flush();
      return;
    }
    if (delay <= 0) {
      this.flush();
      return;
    }
    // The timer also keeps the room from hibernating with unwritten updates.
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#flushReporting();
    }, delay);
  }

  /** Writes whatever is waiting, now. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#bytes = 0;
    this.#options.write(batch);
    if (this.#options.delay === "auto") this.#gather(batch.length > 1 || this.#bursting);
  }

  /**
   * "auto": what arrives from now on gathers until this write is durable
   * and what was queued behind it is read, or, in a burst, for
   * {@link BURST_WINDOW_MS}; then it is written. The pending promise or
   * timer also keeps the object from hibernating with unwritten updates.
   */
  #gather(burst: boolean): void {
    const phase = ++this.#phases;
    this.#gathering = true;
    this.#bursting = burst;
    // Unnamed arrows, made per write: see "Per-room objects" in README.md.
    if (burst) {
      setTimeout(() => this.#endGathering(phase), BURST_WINDOW_MS);
      return;
    }
    this.#options.durable().then(
      () => setTimeout(() => this.#endGathering(phase), 0),
      (e) => {
        // A failed commit resets the object and drops its held messages; report it and carry on.
        this.#options.onError(e);
        this.#endGathering(phase);
      },
    );
  }

  #endGathering(phase: number): void {
    // A flush during this phase wrote what it gathered and started a newer one.
    if (phase !== this.#phases) return;
    this.#gathering = false;
    if (this.#pending.length === 0) this.#bursting = false; // nothing came: the burst is over
    this.#flushReporting(); // what gathered, if anything, starting the next phase
  }

  #flushReporting(): void {
    try {
      this.flush();
    } catch (e) {
      this.#options.onError(e);
    }
  }
}
