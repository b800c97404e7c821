/**
 * `GameClient`: the browser (or Node) side of a game room. It keeps the
 * room's view up to date from patches, numbers and sends inputs, and offers
 * the two standard latency hiders:
 *
 * - **prediction** for your own player: `predicted` is the last state the room
 *   sent with your not-yet-acknowledged inputs replayed on top (give it your
 *   game's `predict(state, input)`, the same rule the room's `step` applies);
 * - **interpolation** for everyone else: `sample()` gives two recent states and
 *   a blend factor, a little in the past, for smooth motion between patches.
 *
 * It reconnects by itself (partysocket) with the same id, so a dropped player
 * gets their seat back within the room's grace period; after a refusal (room
 * full, replaced by another tab, left) it stops.
 * @module
 */
import PartySocket from "partysocket";
import { applyPatch, type JsonValue, type Patch } from "../patch.js";
import { GameCloseCode, type ControlMessage, type Role, type SeatEvent, type WelcomeMessage } from "../protocol.js";
import { SnapshotBuffer, type Sample } from "./interpolation.js";

/** Options of a {@link GameClient}. */
export type GameClientOptions<V, I> = {
  /** The server, e.g. `location.host`. */
  host: string;
  /** The game party's name (as in `createWorker({ ... })`). */
  party: string;
  /** The room id. */
  room: string;
  /**
   * The seat key: keep it (e.g. in `sessionStorage`) and pass it again to get
   * the same seat back after a reload. Default: a new random id.
   */
  id?: string;
  /** Watch instead of play. */
  spectate?: boolean;
  /** Extra query parameters for the room's `onJoin` (e.g. `{ name: "Ada" }`). */
  query?: Record<string, string>;
  /** `"wss"` or `"ws"`; default: from the page, or `"ws"` for localhost / 127.0.0.1. */
  protocol?: "ws" | "wss";
  /** Replays one of your inputs on a state: enables {@link GameClient.predicted}. */
  predict?: (state: V, input: I, me: string) => V;
  /** How far in the past `sample()` looks, in ticks. Default: two patch intervals. */
  interpolationTicks?: number;
  /** A WebSocket implementation, for Node (e.g. `ws`). */
  WebSocket?: unknown;
  /** Clock for interpolation (ms). Default `Date.now`. */
  now?: () => number;
};

/** The connection's status. */
export type GameClientStatus = "connecting" | "open" | "closed";

type Events<V> = {
  /** The view changed (a patch, a full state, or a welcome). */
  state: (state: V, tick: number) => void;
  welcome: (welcome: WelcomeMessage<V>) => void;
  /** Someone joined, dropped, came back or left. */
  seat: (event: SeatEvent) => void;
  /** The room's own `sendEvent`. */
  event: (event: JsonValue) => void;
  /** The room rejected one of our messages. */
  invalid: (reason: string, seq: number | undefined) => void;
  throttled: (reason: string) => void;
  /** The room refused us for good (room full, join refused); the client stops. */
  refused: (reason: string, code: number) => void;
  status: (status: GameClientStatus, detail?: { code: number; reason: string }) => void;
};

/** Close codes after which reconnecting would not help. */
const FINAL_CODES: ReadonlySet<number> = new Set([GameCloseCode.RoomFull, GameCloseCode.Replaced, GameCloseCode.JoinRefused, GameCloseCode.RateLimited]);

/**
 * The browser (or Node) side of a game room: it keeps the room's view up to date from patches, numbers and resends inputs, predicts the local player, and reconnects to its seat.
 *
 * @example
 * ```ts
 * const game = new GameClient<View, Input>({ host: location.host, party: "arena", room: "r-1", predict });
 * game.on("state", () => draw(game.predicted, game.sample()));
 * game.sendInput({ dx: 1, dy: 0 });
 * ```
 */
export class GameClient<V = JsonValue, I = JsonValue> {
  readonly socket: PartySocket;
  /** This client's public player id (or spectator id), once welcomed. */
  me: string | undefined;
  role: Role | undefined;
  tickRate = 30;
  patchRate = 20;
  /** The room's latest view and the tick it reflects. */
  serverState: V | undefined;
  serverTick = 0;
  /** The last input the room has applied. */
  ack = 0;
  /** Players holding a seat, as last told. */
  players = new Map<string, { connected: boolean }>();
  status: GameClientStatus = "connecting";
  /** Why the room last closed the connection. */
  lastClose: { code: number; reason: string } | undefined;

  readonly #options: GameClientOptions<V, I>;
  readonly #listeners = new Map<keyof Events<V>, Set<(...args: never[]) => void>>();
  readonly #buffer = new SnapshotBuffer<V>();
  readonly #now: () => number;
  #pending: { seq: number; input: I }[] = [];
  #nextSeq = 1;
  #lastFrameAt = 0;
  #predicted: { base: V; pending: readonly unknown[]; value: V } | undefined;
  #stopped = false;
  #refusal: { code: number; reason: string } | undefined;

  constructor(options: GameClientOptions<V, I>) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
    const query: Record<string, string> = { ...options.query };
    if (options.spectate) query.spectate = "1";
    this.socket = new PartySocket({
      host: options.host,
      party: options.party,
      room: options.room,
      id: options.id,
      query,
      protocol: options.protocol,
      WebSocket: options.WebSocket as never,
      // Inputs sent while disconnected are stale by the time we are back: never queue them.
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (e) => !this.#stopped && !FINAL_CODES.has(e.code) && e.code !== GameCloseCode.Left,
    });
    this.socket.addEventListener("open", () => this.#setStatus("open"));
    this.socket.addEventListener("close", (e) => this.#onClose(e.code, e.reason));
    this.socket.addEventListener("message", (e) => this.#onMessage(e.data));
  }

  /** The seat key this client connects with (keep it to reclaim the seat after a reload). */
  get id(): string {
    return this.socket.id;
  }

  /** Inputs sent but not yet applied by the room, oldest first. */
  get pending(): readonly { seq: number; input: I }[] {
    return this.#pending;
  }

  /** The room's view with our unacknowledged inputs replayed (= `serverState` without `predict`). */
  get predicted(): V | undefined {
    const base = this.serverState;
    const predict = this.#options.predict;
    if (base === undefined || !predict || !this.me) return base;
    const cached = this.#predicted;
    if (cached && cached.base === base && cached.pending === this.#pending) return cached.value;
    let value: V = base;
    for (const p of this.#pending) value = predict(value, p.input, this.me);
    this.#predicted = { base, pending: this.#pending, value };
    return value as V;
  }

  /**
   * Two recent views around "now minus the interpolation delay", for drawing
   * other players smoothly. `undefined` before the first state.
   */
  sample(): Sample<V> | undefined {
    const tickMs = 1000 / this.tickRate;
    const delay = this.#options.interpolationTicks ?? (2 * this.tickRate) / this.patchRate;
    const estimatedTick = this.serverTick + (this.#now() - this.#lastFrameAt) / tickMs;
    return this.#buffer.sample(Math.min(estimatedTick, this.serverTick + 1) - delay);
  }

  /**
   * Sends an input and returns its seq, or `undefined` when not connected
   * (inputs are not queued while offline) or when spectating.
   */
  sendInput(input: I): number | undefined {
    if (this.status !== "open" || this.role !== "player" || this.socket.readyState !== 1) return undefined;
    const seq = this.#nextSeq++;
    // A new array on every change, so `predicted` can tell when to recompute; capped
    // in case a room stops acknowledging.
    this.#pending = [...this.#pending.slice(-255), { seq, input }];
    this.socket.send(JSON.stringify([seq, input]));
    return seq;
  }

  /** Sends a custom `{"type": ...}` message (handled by the room's `onCustomMessage`). */
  sendMessage(message: { type: string } & Record<string, unknown>): void {
    if (this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  /** Gives up the seat now (no grace period) and closes. */
  leave(): void {
    if (this.socket.readyState === 1) this.socket.send(JSON.stringify({ type: "leave" }));
    this.#stopped = true;
  }

  /** Closes without giving up the seat: the room keeps it for its grace period. */
  close(): void {
    this.#stopped = true;
    this.socket.close();
  }

  on<K extends keyof Events<V>>(type: K, listener: Events<V>[K]): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => void set.delete(listener);
  }

  #emit<K extends keyof Events<V>>(type: K, ...args: Parameters<Events<V>[K]>): void {
    for (const l of this.#listeners.get(type) ?? []) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (e) {
        console.error(`GameClient "${type}" listener threw:`, e);
      }
    }
  }

  #setStatus(status: GameClientStatus, detail?: { code: number; reason: string }): void {
    this.status = status;
    this.#emit("status", status, detail);
  }

  #onClose(code: number, reason: string): void {
    // After a refusal the close we report is the room's, not our own echo of it.
    this.lastClose = this.#refusal ?? { code, reason };
    if (FINAL_CODES.has(code) || code === GameCloseCode.Left) this.#stopped = true;
    this.#setStatus(this.#stopped ? "closed" : "connecting", { code, reason });
  }

  #onMessage(data: unknown): void {
    if (typeof data !== "string") return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (Array.isArray(msg)) return this.#onPatch(msg[0] as number, msg[1] as number, msg[2] as Patch | undefined, msg.length > 2);
    const m = msg as ControlMessage<V>;
    switch (m.type) {
      case "welcome":
        this.me = m.id;
        this.role = m.role;
        this.tickRate = m.tickRate;
        this.patchRate = m.patchRate;
        this.players = new Map(m.players.map((p) => [p.id, { connected: p.connected }]));
        // Inputs in flight when we dropped were lost with the old connection.
        this.#pending = [];
        this.#nextSeq = Math.max(this.#nextSeq, m.ack + 1);
        this.#buffer.clear();
        this.#setState(m.tick, m.ack, m.state);
        this.#emit("welcome", m);
        return;
      case "state":
        this.#buffer.clear();
        this.#setState(m.tick, m.ack, m.state);
        return;
      case "joined":
      case "reconnected":
        this.players.set(m.id, { connected: true });
        this.#emit("seat", m);
        return;
      case "disconnected":
        this.players.set(m.id, { connected: false });
        this.#emit("seat", m);
        return;
      case "left":
        this.players.delete(m.id);
        this.#emit("seat", m);
        return;
      case "invalid":
        if (m.seq !== undefined) this.#pending = this.#pending.filter((p) => p.seq !== m.seq);
        this.#emit("invalid", m.reason, m.seq);
        return;
      case "throttled":
        this.#emit("throttled", m.reason);
        return;
      case "refused":
        // The room closes the socket right after this message; close it from our side too,
        // so the client stops at once whatever happens to the close frame on the way.
        this.#stopped = true;
        this.#emit("refused", m.reason, m.code);
        this.#refusal = { code: m.code, reason: m.reason };
        this.socket.close(m.code, m.reason);
        return;
      case "event":
        this.#emit("event", m.event);
        return;
      default:
        return;
    }
  }

  #onPatch(tick: number, ack: number, patch: Patch | undefined, hasPatch: boolean): void {
    if (this.serverState === undefined) return; // not welcomed yet
    this.#setState(tick, ack, hasPatch ? applyPatch<V>(this.serverState, patch!) : this.serverState);
  }

  #setState(tick: number, ack: number, state: V): void {
    this.serverTick = tick;
    this.ack = ack;
    this.#lastFrameAt = this.#now();
    if (this.#pending.length > 0 && this.#pending[0]!.seq <= ack) this.#pending = this.#pending.filter((p) => p.seq > ack);
    const changed = state !== this.serverState;
    this.serverState = state;
    this.#buffer.push(tick, state);
    if (changed) this.#emit("state", state, tick);
  }
}
