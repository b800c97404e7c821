/**
 * Durations as tests write them: `"30s"`, `"10m"`, `"1h30m"`, `"250ms"`, or
 * a number of milliseconds.
 * @module
 */

/** A number of milliseconds, or text such as `"30s"`, `"10m"`, `"1h30m"`, `"250ms"`. */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Converts a {@link Duration} to milliseconds; throws a RangeError naming the
 * bad input rather than guessing.
 *
 * @example
 * toMs("1m30s"); // 90_000
 * toMs(250);     // 250
 */
export function toMs(duration: Duration): number {
  if (typeof duration === "number") {
    if (Number.isFinite(duration) && duration >= 0) return duration;
    throw new RangeError(`A duration must be a finite number of milliseconds ≥ 0, got ${duration}.`);
  }
  const text = String(duration).trim();
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)];
  if (
    parts.length === 0 ||
    parts
      .map((p) => p[0])
      .join("")
      .replace(/\s/g, "") !== text.replace(/\s/g, "")
  ) {
    throw new RangeError(`Cannot read the duration "${text}": write e.g. "250ms", "30s", "10m", "1h30m" or a number of milliseconds.`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}
