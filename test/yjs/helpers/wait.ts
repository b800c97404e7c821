/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (a bound, never an assertion on speed). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let n = 0;
/** A fresh room id per test, so tests never share a document. */
export const freshRoom = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
