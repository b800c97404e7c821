/**
 * Group commit: effective updates that arrive within a short window are
 * written as one log row and broadcast together, so a burst of edits costs
 * one storage commit instead of one per keystroke. Nothing is revealed to
 * any client before it is written: the room flushes the batch before every
 * message or response that shows document state.
 * @module
 */

/** An effective update waiting to be written, and where it came from (a connection, HTTP, or server code). */
export type PendingUpdate = { update: Uint8Array; origin: unknown };

/** A batch this long is written at once: merging stays cheap (Yjs merges a few hundred small updates in microseconds each). */
export const MAX_BATCH_UPDATES = 256;

/**
 * Group commit of effective updates: written (and broadcast) together after `windowMs`, or at once when the batch is large.
 *
 * @example
 * ```ts
 * const batch = new WriteBatch(10, 1 << 20, (updates) => writeAndBroadcast(updates), (e) => console.error(e));
 * batch.add(update, connection); // written within 10 ms, with whatever arrives meanwhile
 * batch.flush();                 // or now
 * ```
 */
export class WriteBatch {
  #pending: PendingUpdate[] = [];
  #bytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param windowMs how long the first update of a batch may wait; 0 writes every update at once.
   * @param maxBytes a batch this large (or {@link MAX_BATCH_UPDATES} long) is written without waiting for the window.
   * @param write writes and broadcasts a batch (oldest first).
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
    private readonly write: (batch: PendingUpdate[]) => void,
    private readonly onTimerError: (error: unknown) => void,
  ) {}

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
    if (this.windowMs <= 0 || this.#bytes >= this.maxBytes || this.#pending.length >= MAX_BATCH_UPDATES) {
      this.flush();
      return;
    }
    // The timer also keeps the room from hibernating with unwritten updates.
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      try {
        this.flush();
      } catch (e) {
        this.onTimerError(e);
      }
    }, this.windowMs);
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
    this.write(batch);
  }
}
