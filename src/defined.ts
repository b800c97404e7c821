/**
 * Option objects: which keys a caller really set.
 * @module
 */

/**
 * `o` without its `undefined` values, so spreading it over defaults keeps the
 * defaults for keys a caller left out or set to `undefined`.
 *
 * @example
 * ```ts
 * const options = { ...DEFAULTS, ...definedOnly({ every: undefined, name: "save" }) }; // every keeps its default
 * ```
 */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
