/**
 * State deltas as JSON Merge Patches (RFC 7396): a patch looks like the part
 * of the state that changed — `{"players":{"a":{"x":12}}}` — objects are
 * merged key by key, `null` removes a key, anything else (arrays included)
 * replaces the old value. Any RFC 7396 implementation can apply them.
 *
 * The one consequence for game state: a key holding `null` and a missing key
 * are the same thing to clients. Keep entities in objects keyed by id (not in
 * long arrays) so a change to one entity sends only that entity.
 * @module
 */

/** A JSON value, as clients receive it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** A merge patch: what {@link diff} produces and {@link applyPatch} consumes. */
export type Patch = JsonValue;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
/** Sets an own property, even for the key "__proto__" (which `o[k] = v` would turn into a prototype change). */
const set = (o: JsonObject, k: string, v: JsonValue) => {
  if (k === "__proto__") Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
};

/**
 * The value exactly as a client will see it: a JSON round trip (so `undefined`
 * keys vanish, `NaN`/`Infinity` become `null`, class instances become plain
 * objects) and a copy that shares nothing with the live state.
 *
 * @example
 * ```ts
 * snapshot({ a: 1, b: undefined, c: NaN }); // { a: 1, c: null }
 * ```
 */
export function snapshot<T>(value: T): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/**
 * The merge patch that turns `prev` into `next` (both plain JSON, e.g. from
 * {@link snapshot}), or `undefined` when nothing changed.
 *
 * @example
 * ```ts
 * diff({ x: 1, y: 2 }, { x: 1, y: 3, z: 4 }); // { y: 3, z: 4 }
 * diff({ x: 1 }, {});                         // { x: null }
 * ```
 */
export function diff(prev: JsonValue, next: JsonValue): Patch | undefined {
  if (isObject(prev) && isObject(next)) {
    const out = diffObjects(prev, next);
    return out === undefined ? undefined : out;
  }
  if (equal(prev, next)) return undefined;
  // A root that is not an object on both sides is replaced whole. An object
  // patch applied to a non-object starts from {}, which is what we want.
  return next;
}

function diffObjects(prev: JsonObject, next: JsonObject): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const key of Object.keys(next)) {
    const b = next[key]!;
    let change: JsonValue | undefined;
    if (!has(prev, key)) {
      if (b !== null) change = b; // null ≡ absent: adding a null is no change
    } else {
      const a = prev[key]!;
      if (isObject(a) && isObject(b)) change = diffObjects(a, b);
      else if (!equal(a, b)) change = b;
    }
    if (change !== undefined) set((out ??= {}), key, change);
  }
  for (const key of Object.keys(prev)) {
    if (!has(next, key) && prev[key] !== null) set((out ??= {}), key, null);
  }
  return out;
}

/**
 * Deep equality of two JSON values.
 *
 * @example
 * ```ts
 * equal({ a: [1, 2] }, { a: [1, 2] }); // true
 * ```
 */
export function equal(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!has(b, k) || !equal(a[k]!, (b as JsonObject)[k]!)) return false;
  return true;
}

/**
 * Applies a merge patch without touching `target`: changed objects are copied,
 * unchanged subtrees are shared, so keeping old states (e.g. for
 * interpolation) costs only what changed.
 *
 * @example
 * ```ts
 * view = applyPatch<View>(view, { players: { p1: { x: 3 } }, gone: null });
 * ```
 */
export function applyPatch<T = JsonValue>(target: unknown, patch: Patch): T {
  if (!isObject(patch)) return patch as T;
  const base: JsonObject = isObject(target) ? target : {};
  const out: JsonObject = { ...base };
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) delete out[key];
    else set(out, key, isObject(value) ? applyPatch<JsonValue>(has(base, key) ? base[key] : undefined, value) : value);
  }
  return out as T;
}
