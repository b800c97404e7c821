/**
 * The y-websocket wire protocol (as spoken by y-websocket, y-partykit and
 * y-partyserver): one binary message per WebSocket frame,
 * `varUint messageType` followed by its payload.
 *
 * | type | name            | payload                                   |
 * | ---- | --------------- | ----------------------------------------- |
 * | 0    | sync            | `varUint syncType` + `varUint8Array`      |
 * | 1    | awareness       | `varUint8Array` (an awareness update)      |
 * | 2    | auth            | server → client only: `0` + `varString`   |
 * | 3    | query-awareness | none                                      |
 *
 * Sync types: 0 = step 1 (a state vector), 1 = step 2 (an update answering a
 * step 1), 2 = update. Decoding here is strict about structure (every length is
 * bounds-checked by lib0) and maps each failure to the WebSocket close code the
 * offending connection gets.
 * @module
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/** Top-level message types. */
export const MessageType = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3 } as const;
/** Sub-types of a sync message. */
export const SyncType = { Step1: 0, Step2: 1, Update: 2 } as const;

/** Close codes a Yjs room uses for bad input (RFC 6455). */
export const YCloseCode = {
  /** A message type the room does not accept. */
  UnsupportedData: 1003,
  /** A message that is truncated, malformed, or carries an invalid Yjs update / awareness state. */
  InvalidPayload: 1007,
  /** A client over one of the room's limits: awareness for too many client ids or bytes, too many bytes per second, a chunked message left unfinished. */
  PolicyViolation: 1008,
  /** A message larger than the room's `maxMessageBytes`, or an update that would grow the document past `maxDocumentBytes`. */
  MessageTooBig: 1009,
  /** The room is busy receiving other large (chunked) messages: reconnect and try again. */
  TryAgainLater: 1013,
} as const;

/** A decoded client message. Payloads are views into the received frame. */
export type ClientMessage =
  | { type: "sync-step1"; stateVector: Uint8Array }
  | { type: "sync-step2"; update: Uint8Array }
  | { type: "update"; update: Uint8Array }
  | { type: "awareness"; update: Uint8Array }
  | { type: "query-awareness" };

/**
 * Bad input from a client: the connection is closed with `code` and `reason`; nothing else is affected.
 *
 * @example
 * ```ts
 * throw new ProtocolError(YCloseCode.MessageTooBig, "Message of 9 MB exceeds the room's limit of 8 MB.");
 * ```
 */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly code: (typeof YCloseCode)[keyof typeof YCloseCode],
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Decodes one client frame; throws a {@link ProtocolError} for anything else.
 *
 * @example
 * ```ts
 * const message = decodeClientMessage(bytes);
 * if (message.type === "update") await engine.apply(message.update, sender);
 * ```
 */
export function decodeClientMessage(frame: Uint8Array): ClientMessage {
  if (frame.byteLength === 0) throw new ProtocolError(YCloseCode.InvalidPayload, "Empty message.");
  const decoder = decoding.createDecoder(frame);
  const type = readUint(decoder, "message type");
  switch (type) {
    case MessageType.Sync: {
      const syncType = readUint(decoder, "sync message type");
      const payload = readBytes(decoder, "sync payload");
      if (syncType === SyncType.Step1) return { type: "sync-step1", stateVector: payload };
      if (syncType === SyncType.Step2) return { type: "sync-step2", update: payload };
      if (syncType === SyncType.Update) return { type: "update", update: payload };
      throw new ProtocolError(YCloseCode.UnsupportedData, `Unknown sync message type ${syncType}.`);
    }
    case MessageType.Awareness:
      return { type: "awareness", update: readBytes(decoder, "awareness payload") };
    case MessageType.QueryAwareness:
      return { type: "query-awareness" };
    default:
      // Type 2 (auth) only ever goes from server to client.
      throw new ProtocolError(YCloseCode.UnsupportedData, `Unknown message type ${type}.`);
  }
}

function readUint(decoder: decoding.Decoder, what: string): number {
  try {
    const n = decoding.readVarUint(decoder);
    if (Number.isSafeInteger(n)) return n;
  } catch {
    // fall through
  }
  throw new ProtocolError(YCloseCode.InvalidPayload, `Truncated or malformed message (${what}).`);
}

function readBytes(decoder: decoding.Decoder, what: string): Uint8Array {
  try {
    return decoding.readVarUint8Array(decoder);
  } catch {
    throw new ProtocolError(YCloseCode.InvalidPayload, `Truncated or malformed message (${what}).`);
  }
}

/**
 * One frame, allocated at its exact size and filled in place: a broadcast
 * update is framed once per commit, and lib0's growing encoder would copy a
 * large payload twice (into a new chunk, then into the joined result).
 * `type` and `sub` are below 128, so each is a one-byte varUint.
 */
function frame(type: number, sub: number | undefined, payload: Uint8Array | undefined): Uint8Array {
  const head = sub === undefined ? 1 : 2;
  if (payload === undefined) return sub === undefined ? Uint8Array.of(type) : Uint8Array.of(type, sub);
  const length = payload.byteLength;
  let lengthBytes = 1;
  for (let n = length; n > 0x7f; n = Math.floor(n / 0x80)) lengthBytes++;
  const out = new Uint8Array(head + lengthBytes + length);
  out[0] = type;
  if (sub !== undefined) out[1] = sub;
  let at = head;
  // varUint: seven bits per byte, least significant first, the high bit set on all but the last.
  for (let n = length; ; n = Math.floor(n / 0x80)) {
    if (n <= 0x7f) {
      out[at++] = n;
      break;
    }
    out[at++] = 0x80 | (n & 0x7f);
  }
  out.set(payload, at);
  return out;
}

/**
 * `sync step 1`: "here is my state vector, send me what I miss".
 *
 * @example
 * ```ts
 * sendQuietly(conn, encodeSyncStep1(Y.encodeStateVector(doc)));
 * ```
 */
export const encodeSyncStep1 = (stateVector: Uint8Array) => frame(MessageType.Sync, SyncType.Step1, stateVector);
/**
 * `sync step 2`: the update answering a step 1.
 *
 * @example
 * ```ts
 * sendQuietly(conn, encodeSyncStep2(Y.encodeStateAsUpdate(doc, message.stateVector)));
 * ```
 */
export const encodeSyncStep2 = (update: Uint8Array) => frame(MessageType.Sync, SyncType.Step2, update);
/**
 * A document update.
 *
 * @example
 * ```ts
 * for (const c of room.getConnections()) if (c !== origin) sendQuietly(c, encodeUpdate(update));
 * ```
 */
export const encodeUpdate = (update: Uint8Array) => frame(MessageType.Sync, SyncType.Update, update);
/**
 * An awareness update.
 *
 * @example
 * ```ts
 * sendQuietly(conn, encodeAwareness(encodeAwarenessUpdate(entries)));
 * ```
 */
export const encodeAwareness = (update: Uint8Array) => frame(MessageType.Awareness, undefined, update);
/**
 * `query-awareness`: asks a client to send every awareness state it knows.
 *
 * @example
 * ```ts
 * sendQuietly(conn, encodeQueryAwareness());
 * ```
 */
export const encodeQueryAwareness = () => frame(MessageType.QueryAwareness, undefined, undefined);

/**
 * The y-protocols "permission denied" auth message. y-websocket and
 * y-partykit clients log `reason` (console.warn) and stay connected.
 *
 * @example
 * ```ts
 * sendQuietly(conn, encodePermissionDenied("This connection is read-only."));
 * ```
 */
export function encodePermissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Auth);
  encoding.writeVarUint(encoder, 0); // y-protocols/auth: messagePermissionDenied
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}

/**
 * Whether `update` is the empty Yjs (v1) update: no structs, no deletions.
 *
 * @example
 * ```ts
 * isEmptyUpdate(Y.encodeStateAsUpdate(new Y.Doc())); // true
 * ```
 */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === 2 && update[0] === 0 && update[1] === 0;
}

/**
 * Whether `stateVector` names no client: what a new, empty replica sends in its sync step 1.
 *
 * @example
 * ```ts
 * isEmptyStateVector(Y.encodeStateVector(new Y.Doc())); // true
 * ```
 */
export function isEmptyStateVector(stateVector: Uint8Array): boolean {
  return stateVector.byteLength === 1 && stateVector[0] === 0;
}
