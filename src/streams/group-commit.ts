/**
 * Group commit of a stream's appends. A Durable Object commits the SQLite
 * writes of one event-loop turn as one transaction, and the commit (a disk
 * sync; locally an `fsync` that blocks the object) runs as soon as that turn
 * ends. Appends written one by one as their bodies arrive therefore pay one
 * sync each, however many writers are waiting (measured: 1 fsync per append
 * with 10 writers). Here the appends whose requests have reached the object
 * are run together, in arrival order, in one turn: one transaction, one sync.
 * A lone append runs at once (nothing to wait for), and every response still
 * leaves only once its transaction is durable (the output gate holds it).
 * @module
 */

/** An append that has reached the object and is reading its body. */
export interface AppendTicket {
  /** Queues the append's job (its validation and writes); resolves with its result. */
  run<T>(job: () => Promise<T>): Promise<T>;
  /** The request ended without an append (refused while reading its body): stop waiting for it. */
  cancel(): void;
}

/**
 * Runs append jobs one at a time, in the order they are queued, starting a
 * batch when every append that has arrived is queued, or one timer turn after
 * the first was queued (so a slow upload holds the others for at most that).
 *
 * A job should do its writes without awaiting I/O, so that the batch's writes
 * share a turn; a job that awaits (an async `validateAppend`) still runs in
 * order, it only splits the batch's transaction.
 *
 * @example
 * const appends = new GroupCommit();
 * const ticket = appends.enter();                      // before reading the body
 * const body = await readBody(request, limit).catch((e) => (ticket.cancel(), Promise.reject(e)));
 * const response = await ticket.run(() => appendToStream(stream, request, body));
 */
export class GroupCommit {
  /** Appends that have arrived and are not queued yet. */
  #arriving = 0;
  #queued: Array<() => Promise<void>> = [];
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Counts an append in from its arrival, so a batch waits for it. */
  enter(): AppendTicket {
    this.#arriving++;
    let open = true;
    const done = () => {
      if (!open) return false;
      open = false;
      this.#arriving--;
      return true;
    };
    return {
      run: <T>(job: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => {
          if (!done()) throw new Error("GroupCommit: a ticket runs one job.");
          this.#queued.push(async () => {
            try {
              resolve(await job());
            } catch (e) {
              reject(e);
            }
          });
          this.#next();
        }),
      cancel: () => {
        if (done()) this.#next();
      },
    };
  }

  #next(): void {
    if (this.#running || this.#queued.length === 0) return;
    if (this.#arriving === 0) void this.#flush();
    else this.#timer ??= setTimeout(() => void this.#flush(), 0);
  }

  async #flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running) return;
    this.#running = true;
    const batch = this.#queued;
    this.#queued = [];
    for (const job of batch) await job();
    this.#running = false;
    this.#next();
  }
}
