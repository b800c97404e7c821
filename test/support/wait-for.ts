// Waiting for a condition inside a test, bounded: the failure names what never happened.

/**
 * Polls `condition` every 10 ms until it holds; fails with `what` after `timeoutMs`
 * (a bound, never an assertion on speed).
 *
 * @example
 * await waitFor(async () => (await sinkLog(room)).length > 0, "the flush reached the sink");
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
