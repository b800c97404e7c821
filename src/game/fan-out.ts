/**
 * Fan-out: everything a game room sends to many connections at once — each
 * member's patch (or full state), seat events, author events — and the frame
 * counters behind `stats()`.
 * @module
 */
import { logError } from "../errors.js";
import { sendQuietly } from "../sockets.js";
import type { Connection, Room } from "../types.js";
import type { JsonValue } from "./patch.js";
import type { ControlMessage, SeatEvent, WelcomeMessage } from "./protocol.js";
import { StateSync, type Recipient } from "./sync.js";
import { members, type GameConnectionState } from "./members.js";

/** Frames and bytes sent, split into patches and full states. */
export type FrameCounters = { patchFrames: number; patchBytes: number; fullFrames: number; fullBytes: number };

/**
 * Sends a game room's frames to its members and remembers what each one was
 * last sent, so the next round is a patch.
 *
 * @example
 * ```ts
 * const fanOut = new FanOut(room, (player) => inputs.ack(player), () => "Arena main/1");
 * fanOut.welcome(conn, welcomeMessage);
 * fanOut.sendPatches(tick, (viewer) => view(state, viewer));
 * fanOut.tellOthers(conn.id, { type: "joined", id });
 * ```
 */
export class FanOut {
  /** Counters for `stats()`. */
  readonly counters: FrameCounters = { patchFrames: 0, patchBytes: 0, fullFrames: 0, fullBytes: 0 };
  readonly #room: Room;
  readonly #ack: (player: string) => number;
  readonly #where: () => string;
  readonly #sync = new StateSync();

  constructor(room: Room, ack: (player: string) => number, where: () => string) {
    this.#room = room;
    this.#ack = ack;
    this.#where = where;
  }

  /** Sends a new member their welcome; its state is their baseline. */
  welcome(conn: Connection, welcome: WelcomeMessage): void {
    const frame = JSON.stringify(welcome);
    sendQuietly(conn, frame);
    this.#sync.sent(conn.id, welcome.state, welcome.ack);
    this.counters.fullFrames++;
    this.counters.fullBytes += frame.length;
  }

  /** Forgets a connection's baseline: it left, or the next round must send it the full state. */
  forget(key: string): void {
    this.#sync.forget(key);
  }

  /** Sends each member what it is missing: a patch, or the full view if it has no baseline. */
  sendPatches(tick: number, viewOf: (viewer: string | null) => unknown): void {
    const conns = new Map<string, Connection<GameConnectionState>>();
    const recipients: Recipient[] = [];
    for (const conn of members(this.#room)) {
      const s = conn.state;
      if (s.role !== "player" && s.role !== "spectator") continue;
      conns.set(conn.id, conn);
      recipients.push({ key: conn.id, viewer: s.role === "player" ? s.player : null, ack: s.role === "player" ? this.#ack(s.player) : 0 });
    }
    if (recipients.length === 0) return;
    let out: ReturnType<StateSync["round"]>;
    try {
      out = this.#sync.round(tick, recipients, viewOf);
    } catch (e) {
      logError(`${this.#where()} view`, e);
      return;
    }
    for (const o of out) {
      sendQuietly(conns.get(o.key)!, o.frame);
      if (o.full) {
        this.counters.fullFrames++;
        this.counters.fullBytes += o.bytes;
      } else {
        this.counters.patchFrames++;
        this.counters.patchBytes += o.bytes;
      }
    }
  }

  /** Tells every player and spectator except the connection `exceptKey` about a seat change. */
  tellOthers(exceptKey: string, event: SeatEvent): void {
    const frame = JSON.stringify(event);
    for (const conn of members(this.#room)) {
      if (conn.id === exceptKey) continue;
      if (conn.state.role === "player" || conn.state.role === "spectator") sendQuietly(conn, frame);
    }
  }

  /** Sends `event` to one player (by public id), or to every member when `to` is null. */
  sendEvent(to: string | null, event: JsonValue): void {
    const frame = JSON.stringify({ type: "event", event } satisfies ControlMessage);
    for (const conn of members(this.#room)) {
      if (to === null || conn.state.player === to) sendQuietly(conn, frame);
    }
  }
}
