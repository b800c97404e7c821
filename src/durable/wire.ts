/**
 * The frames a durable room sends to clients that asked to resume (the
 * `_rk_offset` query parameter): durable messages carrying their offset, the
 * "caught up" marker and the "reset" signal. Pure functions, shared by the
 * room and the client helper, so both always agree on the format.
 *
 * Text frames are `\0rk|<kind>|<offset>|<rest>`; a durable binary message is
 * the same header as bytes, then the payload. The leading NUL keeps them apart
 * from ordinary messages, which go out unchanged. Clients that never asked to
 * resume get no such frame at all.
 * @module
 */

/** The query parameter a resuming client sends: `now`, `-1` (everything retained) or an offset it received. */
export const OFFSET_PARAM = "_rk_offset";

/** Longest accepted `_rk_offset` value. */
export const MAX_OFFSET_LENGTH = 64;

const PREFIX = "\u0000rk|";
const PREFIX_BYTES = [0, 0x72, 0x6b, 0x7c]; // "\0rk|"

/** A frame as the client helper reads it. */
export type Frame =
  | { kind: "message"; offset: string; data: string | ArrayBuffer }
  | { kind: "ready"; offset: string }
  | { kind: "reset"; offset: string; state: string | undefined }
  | { kind: "plain"; data: string | ArrayBuffer };

/** A position in one room's log, tagged with the log's epoch (a new epoch after `storage.deleteAll()`). */
export type Offset = { epoch: string; position: number };

/**
 * Formats an offset as the opaque token clients store and send back.
 *
 * @example
 * ```ts
 * formatToken({ epoch: "k3x9a2", position: 42 }) // "k3x9a2.42"
 * ```
 */
export function formatToken(offset: Offset): string {
  return `${offset.epoch}.${offset.position}`;
}

/**
 * Parses a token made by {@link formatToken}; `null` when malformed.
 *
 * @example
 * ```ts
 * parseToken("k3x9a2.42") // { epoch: "k3x9a2", position: 42 }
 * ```
 */
export function parseToken(token: string): Offset | null {
  const m = /^([0-9a-z]{1,32})\.(0|[1-9]\d{0,15})$/.exec(token);
  if (!m) return null;
  const position = Number(m[2]);
  return Number.isSafeInteger(position) ? { epoch: m[1]!, position } : null;
}

/**
 * The frame of one durable message, built once per broadcast.
 *
 * @example
 * ```ts
 * messageFrame("k3x9a2.43", '{"count":3}') // "\0rk|m|k3x9a2.43|{\"count\":3}"
 * ```
 */
export function messageFrame(token: string, data: string | Uint8Array): string | Uint8Array {
  if (typeof data === "string") return `${PREFIX}m|${token}|${data}`;
  const head = new TextEncoder().encode(`${PREFIX}m|${token}|`);
  const out = new Uint8Array(head.byteLength + data.byteLength);
  out.set(head);
  out.set(data, head.byteLength);
  return out;
}

/**
 * "Caught up": every durable message up to `token` has been sent; live ones follow.
 *
 * @example
 * ```ts
 * readyFrame("k3x9a2.43") // "\0rk|ready|k3x9a2.43|"
 * ```
 */
export function readyFrame(token: string): string {
  return `${PREFIX}ready|${token}|`;
}

/**
 * "Reset": the client's offset is not in the log any more (older than the
 * retention, or from a log that was wiped). Messages after `token` follow.
 *
 * @example
 * ```ts
 * resetFrame("k3x9a2.43", '{"count":3}') // "\0rk|reset+|k3x9a2.43|{\"count\":3}"
 * ```
 */
export function resetFrame(token: string, state: string | undefined): string {
  return state === undefined ? `${PREFIX}reset|${token}|` : `${PREFIX}reset+|${token}|${state}`;
}

/**
 * Reads a received message: one of the frames above, or an ordinary message.
 *
 * @example
 * ```ts
 * readFrame("\0rk|ready|k3x9a2.43|") // { kind: "ready", offset: "k3x9a2.43" }
 * readFrame("hello")                 // { kind: "plain", data: "hello" }
 * ```
 */
export function readFrame(data: string | ArrayBuffer): Frame {
  if (typeof data === "string") {
    if (!data.startsWith(PREFIX)) return { kind: "plain", data };
    const kindEnd = data.indexOf("|", PREFIX.length);
    const tokenEnd = kindEnd < 0 ? -1 : data.indexOf("|", kindEnd + 1);
    if (tokenEnd < 0) return { kind: "plain", data };
    const kind = data.slice(PREFIX.length, kindEnd);
    const offset = data.slice(kindEnd + 1, tokenEnd);
    const rest = data.slice(tokenEnd + 1);
    switch (kind) {
      case "m":
        return { kind: "message", offset, data: rest };
      case "ready":
        return { kind: "ready", offset };
      case "reset":
        return { kind: "reset", offset, state: undefined };
      case "reset+":
        return { kind: "reset", offset, state: rest };
    }
    return { kind: "plain", data };
  }
  const bytes = new Uint8Array(data);
  if (bytes.byteLength < 8 || PREFIX_BYTES.some((b, i) => bytes[i] !== b) || bytes[4] !== 0x6d || bytes[5] !== 0x7c) {
    return { kind: "plain", data };
  }
  const tokenEnd = bytes.indexOf(0x7c, 6);
  if (tokenEnd < 0) return { kind: "plain", data };
  const offset = new TextDecoder().decode(bytes.subarray(6, tokenEnd));
  return { kind: "message", offset, data: data.slice(tokenEnd + 1) };
}
