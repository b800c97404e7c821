/**
 * Input validation helpers. A room's `parseInput` turns whatever a client sent
 * into a trusted input or throws an {@link InputError}; its message goes back
 * to that client (and only that client) as the reason.
 *
 * Numbers deserve care: `JSON.parse("1e999")` is `Infinity`, so a JSON input
 * is not automatically finite. {@link num} rejects NaN and ±Infinity always.
 * @module
 */

/**
 * Thrown by `parseInput` (or `onJoin`) to reject something with a reason the client may read.
 *
 * @example
 * ```ts
 * parseInput(raw: unknown): Input {
 *   const o = obj(raw);
 *   if (o.action === "teleport") throw new InputError("teleporting is not allowed");
 *   return { action: oneOf(o.action, "action", ["move", "jump"]) };
 * }
 * ```
 */
export class InputError extends Error {
  override name = "InputError";
}

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "number" && !Number.isFinite(v) ? String(v) : typeof v;

/**
 * `raw` as a plain object (not an array, not null), or an InputError.
 *
 * @example
 * ```ts
 * const o = obj(raw); // InputError "input must be an object, got an array" for []
 * ```
 */
export function obj(raw: unknown, what = "input"): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new InputError(`${what} must be an object, got ${describe(raw)}`);
  return raw as Record<string, unknown>;
}

/**
 * Throws unless `o` has no keys besides `allowed`: unknown fields are refused, not ignored.
 *
 * @example
 * ```ts
 * const o = obj(raw);
 * onlyKeys(o, ["dx", "dy"]); // InputError 'input has an unknown field "cheat"'
 * ```
 */
export function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what = "input"): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw new InputError(`${what} has an unknown field "${key.slice(0, 40)}"`);
  }
}

/** Options of {@link num}. */
export type NumberRule = { min?: number; max?: number; integer?: boolean };

/**
 * A finite number within the rule's range, or an InputError naming the field.
 *
 * @example
 * ```ts
 * const dx = num(o.dx, "dx", { min: -1, max: 1 }); // refuses 1e999 (Infinity), NaN and 2
 * ```
 */
export function num(value: unknown, name: string, rule: NumberRule = {}): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new InputError(`${name} must be a finite number, got ${describe(value)}`);
  if (rule.integer && !Number.isInteger(value)) throw new InputError(`${name} must be an integer, got ${value}`);
  if (rule.min !== undefined && value < rule.min) throw new InputError(`${name} must be at least ${rule.min}, got ${value}`);
  if (rule.max !== undefined && value > rule.max) throw new InputError(`${name} must be at most ${rule.max}, got ${value}`);
  return value;
}

/**
 * A boolean, or an InputError naming the field.
 *
 * @example
 * ```ts
 * const jump = bool(o.jump, "jump");
 * ```
 */
export function bool(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") throw new InputError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

/**
 * One of `choices`, or an InputError listing them (e.g. an unknown action).
 *
 * @example
 * ```ts
 * const action = oneOf(o.action, "action", ["move", "fire"] as const);
 * ```
 */
export function oneOf<T extends string>(value: unknown, name: string, choices: readonly T[]): T {
  if (typeof value !== "string" || !choices.includes(value as T)) {
    const shown = typeof value === "string" ? `"${value.slice(0, 40)}"` : describe(value);
    throw new InputError(`${name} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${shown}`);
  }
  return value as T;
}

/**
 * A string of at most `maxLength` characters, or an InputError.
 *
 * @example
 * ```ts
 * const name = str(params.get("name") ?? "Anonymous", "name", 24);
 * ```
 */
export function str(value: unknown, name: string, maxLength = 256): string {
  if (typeof value !== "string") throw new InputError(`${name} must be a string, got ${describe(value)}`);
  if (value.length > maxLength) throw new InputError(`${name} must be at most ${maxLength} characters, got ${value.length}`);
  return value;
}
