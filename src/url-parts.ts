/**
 * Parts of a request's URL read straight from `Request.url` (absolute, and
 * already serialized by the URL parser), without building a `URL`: every
 * join reads the path (in the Worker) and the connection id (in the room),
 * and a `URL` with its search params costs more than the rest of that work.
 * Each function gives exactly what the URL parser would, and falls back to
 * it for any input it does not read itself.
 * @module
 */

/**
 * The path of a serialized URL: the same string as `new URL(url).pathname`.
 *
 * @example
 * ```ts
 * pathOf("https://example.com/parties/chat/r%201?_pk=a"); // "/parties/chat/r%201"
 * ```
 */
export function pathOf(url: string): string {
  // A serialized http(s) URL always has a path after the host, and its host
  // and user info hold no "/", "?" or "#" (the serializer percent-encodes them).
  const scheme = url.startsWith("https://") ? 8 : url.startsWith("http://") ? 7 : -1;
  const start = scheme === -1 ? -1 : url.indexOf("/", scheme);
  if (start === -1) return new URL(url).pathname;
  let end = url.length;
  for (let i = start; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) end = i;
  }
  return url.slice(start, end);
}

/**
 * The first value of query parameter `name` in a serialized URL, or `null`:
 * the same as `new URL(url).searchParams.get(name)`.
 *
 * @example
 * ```ts
 * queryParam("https://example.com/parties/chat/r?_pk=alice&x=1", "_pk"); // "alice"
 * ```
 */
export function queryParam(url: string, name: string): string | null {
  const q = url.indexOf("?");
  const hash = url.indexOf("#");
  if (q === -1 || (hash !== -1 && hash < q)) return null; // no query, or a "?" in the fragment
  const end = hash === -1 ? url.length : hash;
  // Only a query with nothing to decode ("%" escapes, "+" for space) is read here.
  for (let i = q + 1; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x25 /* % */ || c === 0x2b /* + */) return new URL(url).searchParams.get(name);
  }
  // One pass: a pair starts after "?" or "&"; its key ends at its first "=".
  let pair = q + 1;
  let eq = -1;
  for (let i = pair; i <= end; i++) {
    const c = i === end ? 0x26 /* & */ : url.charCodeAt(i);
    if (c === 0x3d /* = */ && eq === -1) eq = i;
    else if (c === 0x26 /* & */) {
      const keyEnd = eq === -1 ? i : eq;
      if (keyEnd - pair === name.length && url.startsWith(name, pair)) return eq === -1 ? "" : url.slice(eq + 1, i);
      pair = i + 1;
      eq = -1;
    }
  }
  return null;
}
