/**
 * Server-side awareness (presence: cursors, names) without y-protocols'
 * `Awareness` class, whose 30-second `setInterval` would keep a room from ever
 * hibernating.
 *
 * The room relays awareness updates and remembers, per connection, which
 * client ids that connection introduced ("controls"), so it can announce
 * their removal when the connection goes. With hibernation that bookkeeping
 * lives in the connection's state (the socket attachment), so a room that
 * slept can still clean up after a client that left while it was asleep, and
 * can show newcomers everyone's presence without asking the clients again.
 *
 * Presence is bounded: a connection may control at most a few client ids
 * (those it introduced) with at most so many bytes of state, and may not
 * remove ids another connection controls; the states of the whole room
 * together are capped too (past the cap new states are ignored, so one
 * client cannot make every peer hold hundreds of thousands of states).
 * @module
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { RoomkitError } from "../errors.js";
import type { Connection } from "../types.js";
import { ProtocolError, YCloseCode } from "./protocol.js";

/** One client's awareness state as it travels on the wire. `state` is JSON text; `"null"` means "gone". */
export type AwarenessEntry = { clientID: number; clock: number; state: string };

/** `[clientID, clock, state JSON or null when not cached]`: what a connection's state keeps. */
type StoredEntry = [number, number, string | null];

/** The key under which a Yjs room keeps its bookkeeping in `conn.state`. */
export const CONNECTION_STATE_KEY = "__yjs";

/** Above this many characters of state per connection, states are not kept in the attachment (ids and clocks still are). */
const MAX_CACHED_STATE_CHARS = 8_192;
/** Bound on remembered clocks of clients that announced their own removal. */
const MAX_FORGOTTEN_CLOCKS = 4_096;

/**
 * Decodes an awareness update, checking structure and that every state is
 * JSON (peers parse it). `check` sees each entry as soon as it is read, so a
 * limit can refuse a flood after a few entries instead of decoding it all.
 *
 * @example
 * ```ts
 * const entries = decodeAwarenessUpdate(update, registry.limitsCheck(conn));
 * for (const { clientID, clock, state } of entries) console.log(clientID, clock, state);
 * ```
 */
export function decodeAwarenessUpdate(update: Uint8Array, check?: (entry: AwarenessEntry) => void): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const entries: AwarenessEntry[] = [];
  try {
    const count = decoding.readVarUint(decoder);
    // Every entry takes at least 3 bytes: reject absurd counts before looping.
    if (count > update.byteLength) throw new Error("count");
    for (let i = 0; i < count; i++) {
      const clientID = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state = decoding.readVarString(decoder);
      if (!Number.isSafeInteger(clientID) || !Number.isSafeInteger(clock)) throw new Error("integer");
      const entry = { clientID, clock, state };
      check?.(entry);
      entries.push(entry);
    }
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError(YCloseCode.InvalidPayload, "Truncated or malformed awareness update.");
  }
  for (const e of entries) {
    try {
      JSON.parse(e.state);
    } catch {
      throw new ProtocolError(YCloseCode.InvalidPayload, `Awareness state of client ${e.clientID} is not valid JSON.`);
    }
  }
  return entries;
}

/**
 * Encodes entries as one awareness update (the y-protocols format).
 *
 * @example
 * ```ts
 * const relay = encodeAwarenessUpdate([{ clientID: 7, clock: 3, state: '{"user":"Ada"}' }]);
 * ```
 */
export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(encoder, e.clientID);
    encoding.writeVarUint(encoder, e.clock);
    encoding.writeVarString(encoder, e.state);
  }
  return encoding.toUint8Array(encoder);
}

/** Bounds on presence; see {@link AwarenessRegistry}. */
export type AwarenessLimits = {
  /** Client ids one connection may control at once; one more closes it with 1008. */
  clientsPerConnection: number;
  /** UTF-8 bytes of the states one connection controls, together; more closes it with 1008. */
  bytesPerConnection: number;
  /** UTF-8 bytes of every state in the room, together; states past it are ignored (not stored, not relayed). */
  roomBytes: number;
};

/**
 * The room's view of everyone's awareness. Follows y-protocols' rules: a
 * state is accepted if its clock is newer, or if it is a removal at the same
 * clock of a state that exists.
 *
 * @example
 * ```ts
 * const registry = new AwarenessRegistry({ clientsPerConnection: 4, bytesPerConnection: 65_536, roomBytes: 1 << 20 });
 * const accepted = registry.apply(decodeAwarenessUpdate(update), conn);
 * const removals = registry.removeConnection(conn); // when it closes
 * ```
 */
export class AwarenessRegistry {
  readonly #clocks = new Map<number, number>();
  readonly #states = new Map<number, string>();
  /** UTF-8 bytes of each state in #states, and their sum. */
  readonly #bytes = new Map<number, number>();
  #totalBytes = 0;
  #warnedFull = false;
  readonly #owners = new Map<number, Connection>();
  readonly #owned = new WeakMap<Connection, Set<number>>();
  readonly #departed = new WeakSet<Connection>();
  #warnedUnmergeable = false;
  /** Whether to keep entries in connection state: only hibernating rooms need it. */
  persist = true;

  constructor(private readonly limits: AwarenessLimits = { clientsPerConnection: Infinity, bytesPerConnection: Infinity, roomBytes: Infinity }) {}

  /** UTF-8 bytes of every state held (for tests and diagnostics). */
  get bytes(): number {
    return this.#totalBytes;
  }

  /** Re-learns what `conn` controls from its state (after a wake). */
  restore(conn: Connection): void {
    for (const [clientID, clock, state] of storedEntries(conn)) {
      this.#own(clientID, conn);
      if (clock >= (this.#clocks.get(clientID) ?? 0)) {
        this.#clocks.set(clientID, clock);
        if (state !== null) this.#setState(clientID, state);
      }
    }
  }

  /** Applies `entries` sent by `conn`; returns the accepted ones, to relay to the other connections. */
  apply(entries: readonly AwarenessEntry[], conn: Connection): AwarenessEntry[] {
    this.#checkLimits(entries, conn);
    const accepted: AwarenessEntry[] = [];
    const touched = new Set<Connection>();
    for (const e of entries) {
      const current = this.#clocks.get(e.clientID) ?? 0;
      const exists = this.#states.has(e.clientID);
      const removal = e.state === "null";
      if (!(current < e.clock || (current === e.clock && removal && exists))) continue;
      const owner = this.#owners.get(e.clientID);
      // Only the connection in control removes a client (y-websocket peers also send removals of
      // others that went quiet on their side: the room removes those when their own socket closes).
      if (removal && owner !== undefined && owner !== conn) continue;
      if (!removal && this.#totalBytes - (this.#bytes.get(e.clientID) ?? 0) + utf8Length(e.state) > this.limits.roomBytes) {
        this.#warnFull();
        continue;
      }
      this.#clocks.set(e.clientID, e.clock);
      if (removal) {
        if (!exists) continue; // y-protocols does not report removing an unknown client either
        this.#deleteState(e.clientID);
        if (owner) {
          this.#owned.get(owner)?.delete(e.clientID);
          this.#owners.delete(e.clientID);
          touched.add(owner);
        }
      } else {
        this.#setState(e.clientID, e.state);
        if (owner !== conn) {
          // The connection that last sent a client's state controls it: after a
          // reconnect, the old socket closing must not remove the client.
          if (owner) {
            this.#owned.get(owner)?.delete(e.clientID);
            touched.add(owner);
          }
          this.#own(e.clientID, conn);
        }
        touched.add(conn);
      }
      accepted.push(e);
    }
    for (const c of touched) this.#store(c);
    this.#prune();
    return accepted;
  }

  /** Every known state as one awareness update, or `undefined` when nobody is present. */
  encodeAll(): Uint8Array | undefined {
    if (this.#states.size === 0) return undefined;
    const entries: AwarenessEntry[] = [];
    for (const [clientID, state] of this.#states) entries.push({ clientID, clock: this.#clocks.get(clientID) ?? 0, state });
    return encodeAwarenessUpdate(entries);
  }

  /**
   * Forgets `conn` and everything it controls; returns the removals to
   * broadcast (each at clock + 1, as y-protocols' `removeAwarenessStates`).
   * Works from the connection's stored state too, so it is correct after a wake.
   */
  removeConnection(conn: Connection): AwarenessEntry[] {
    if (this.#departed.has(conn)) return [];
    this.#departed.add(conn);
    const ids = new Map<number, number>();
    for (const [clientID, clock] of storedEntries(conn)) ids.set(clientID, clock);
    for (const clientID of this.#owned.get(conn) ?? []) ids.set(clientID, Math.max(ids.get(clientID) ?? 0, this.#clocks.get(clientID) ?? 0));
    this.#owned.delete(conn);
    const removals: AwarenessEntry[] = [];
    for (const [clientID, storedClock] of ids) {
      const owner = this.#owners.get(clientID);
      if (owner !== undefined && owner !== conn) continue; // another connection took this client over
      const clock = Math.max(storedClock, this.#clocks.get(clientID) ?? 0) + 1;
      // Announce the removal unless the client already removed itself; when this
      // room instance never saw the client (it slept since), announce to be safe.
      const wasPresent = this.#states.has(clientID) || owner === conn || !this.#clocks.has(clientID);
      this.#owners.delete(clientID);
      this.#deleteState(clientID);
      this.#clocks.delete(clientID);
      if (wasPresent) removals.push({ clientID, clock, state: "null" });
    }
    return removals;
  }

  /** Number of clients with a state (for tests and diagnostics). */
  get size(): number {
    return this.#states.size;
  }

  /**
   * A check of one frame from `conn`, fed entry by entry (see
   * {@link decodeAwarenessUpdate}): throws ProtocolError 1008 as soon as the
   * frame would make `conn` control more client ids, or more bytes of state,
   * than allowed. Entries the clock rules would drop anyway (echoes of
   * others' states, which y-websocket clients send back) do not count.
   */
  limitsCheck(conn: Connection): (entry: AwarenessEntry) => void {
    const { clientsPerConnection, bytesPerConnection } = this.limits;
    const after = new Map<number, number>(); // client id → bytes, for what conn would control
    let bytes = 0;
    for (const clientID of this.#owned.get(conn) ?? []) {
      const n = this.#bytes.get(clientID) ?? 0;
      after.set(clientID, n);
      bytes += n;
    }
    return (e) => {
      if (!((this.#clocks.get(e.clientID) ?? 0) < e.clock)) return;
      const owner = this.#owners.get(e.clientID);
      bytes -= after.get(e.clientID) ?? 0;
      if (e.state === "null") {
        if (owner === conn || owner === undefined) after.delete(e.clientID);
        else bytes += after.get(e.clientID) ?? 0;
        return;
      }
      const n = utf8Length(e.state);
      after.set(e.clientID, n);
      bytes += n;
      if (after.size > clientsPerConnection) {
        throw new ProtocolError(YCloseCode.PolicyViolation, `Awareness for more than ${clientsPerConnection} client ids from one connection.`);
      }
      if (bytes > bytesPerConnection) {
        throw new ProtocolError(YCloseCode.PolicyViolation, `Awareness states of one connection exceed ${bytesPerConnection} bytes.`);
      }
    };
  }

  #checkLimits(entries: readonly AwarenessEntry[], conn: Connection): void {
    const check = this.limitsCheck(conn);
    for (const e of entries) check(e);
  }

  #setState(clientID: number, state: string): void {
    const bytes = utf8Length(state);
    this.#totalBytes += bytes - (this.#bytes.get(clientID) ?? 0);
    this.#bytes.set(clientID, bytes);
    this.#states.set(clientID, state);
  }

  #deleteState(clientID: number): void {
    this.#totalBytes -= this.#bytes.get(clientID) ?? 0;
    this.#bytes.delete(clientID);
    this.#states.delete(clientID);
  }

  #warnFull(): void {
    if (this.#warnedFull) return;
    this.#warnedFull = true;
    console.warn(
      `[roomkit] YRoom: presence states of this room reached ${this.limits.roomBytes} bytes (maxAwarenessBytes); new states are ignored until some leave.`,
    );
  }

  #own(clientID: number, conn: Connection): void {
    this.#owners.set(clientID, conn);
    let set = this.#owned.get(conn);
    if (!set) this.#owned.set(conn, (set = new Set()));
    set.add(clientID);
  }

  /** Writes what `conn` controls into its state, so a woken room still knows. */
  #store(conn: Connection): void {
    if (!this.persist || conn.readyState !== 1) return;
    const ids = this.#owned.get(conn) ?? new Set<number>();
    let chars = 0;
    const full: StoredEntry[] = [];
    for (const clientID of ids) {
      const state = this.#states.get(clientID) ?? null;
      chars += state?.length ?? 0;
      full.push([clientID, this.#clocks.get(clientID) ?? 0, state]);
    }
    const lean = (): StoredEntry[] => full.map(([id, clock]) => [id, clock, null]);
    const attempts = chars > MAX_CACHED_STATE_CHARS ? [lean()] : [full, lean()];
    for (const entries of attempts) {
      try {
        this.#write(conn, entries);
        return;
      } catch (e) {
        if (!(e instanceof RoomkitError)) throw e;
        // Too large for the attachment: retry without the states (ids and clocks are what cleanup needs).
      }
    }
  }

  #write(conn: Connection, entries: StoredEntry[]): void {
    const prev = conn.state as unknown;
    if (prev !== null && (typeof prev !== "object" || Array.isArray(prev))) {
      if (!this.#warnedUnmergeable) {
        this.#warnedUnmergeable = true;
        console.warn(
          `[roomkit] YRoom keeps presence bookkeeping in conn.state.${CONNECTION_STATE_KEY}, but this connection's state is not an object; ` +
            `presence of clients whose connection closes while the room hibernates may linger. Keep connection state an object.`,
        );
      }
      return;
    }
    conn.setState({ ...(prev as Record<string, unknown> | null), [CONNECTION_STATE_KEY]: entries } as never);
  }

  #prune(): void {
    if (this.#clocks.size <= MAX_FORGOTTEN_CLOCKS + this.#states.size + this.#owners.size) return;
    for (const clientID of this.#clocks.keys()) {
      if (!this.#states.has(clientID) && !this.#owners.has(clientID)) this.#clocks.delete(clientID);
    }
  }
}

/**
 * UTF-8 length of a string, without encoding it.
 *
 * @example
 * ```ts
 * utf8Length("naïve ✓"); // 10
 * ```
 */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 2; // a surrogate pair: 2 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

/** The entries stored in a connection's state; tolerant of anything a user may have put there. */
function storedEntries(conn: Connection): StoredEntry[] {
  let raw: unknown;
  try {
    raw = (conn.state as Record<string, unknown> | null)?.[CONNECTION_STATE_KEY];
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (e): e is StoredEntry => Array.isArray(e) && Number.isSafeInteger(e[0]) && Number.isSafeInteger(e[1]) && (e[2] === null || typeof e[2] === "string"),
  );
}
