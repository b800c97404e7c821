// Waiting for a condition in node-side tests, bounded: the failure names what was still missing.

/**
 * Polls `cond` every 25 ms until it holds; rejects after `ms` with `what()`.
 *
 * @example
 * await until(() => clients.every((c) => c.got.length === 10), 60_000, () => "clients short of 10 messages");
 */
export async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
