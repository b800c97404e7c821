/**
 * How a game room keeps its lobby informed: one in-process cross-party call
 * per change, never two at once, and only the newest news (a burst of joins
 * becomes one or two reports, in order). A failed report is retried a few
 * times; after that the lobby's staleness cutoff removes a room that keeps
 * failing to report.
 * @module
 */
import { logError } from "../errors.js";
import { partyNames, sendToRoom } from "../parties.js";
import type { Room } from "../types.js";
import type { RoomReport } from "./matchmaking.js";

/** Where a game room reports: the lobby party and the lobby room within it. */
export type LobbyTarget = { party: string; room?: string };

const RETRY_MS = [1_000, 5_000, 15_000];

/**
 * Sends a game room's lobby entry to the lobby, one report in flight at a time (the newest wins), retrying with backoff when the lobby cannot be reached.
 *
 * @example
 * ```ts
 * const reporter = new LobbyReporter(room, { party: "lobby", room: "main" });
 * reporter.send({ party: "arena", players: 2, connected: 2, spectators: 0, maxPlayers: 4, open: true, info: null });
 * reporter.send(null); // the room is empty: remove it from the lobby
 * ```
 */
export class LobbyReporter {
  /** The report waiting to be sent: a report, `null` for "remove me", `undefined` for nothing. */
  #pending: RoomReport | null | undefined;
  #sending = false;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly room: Room,
    private readonly target: Required<LobbyTarget>,
  ) {}

  /** Queues `report` (or the room's removal, for `null`); sends it as soon as no other report is in flight. */
  send(report: RoomReport | null): void {
    this.#pending = report;
    if (this.#retry !== undefined) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
    }
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      while (this.#pending !== undefined) {
        const report = this.#pending;
        this.#pending = undefined;
        try {
          await this.#post(report);
          this.#failures = 0;
        } catch (e) {
          // Keep it unless something newer arrived meanwhile, and try again later.
          if (this.#pending === undefined) this.#pending = report;
          const delay = RETRY_MS[this.#failures++];
          logError(`game room ${this.room.name}/${this.room.id}: reporting to lobby ${this.target.party}/${this.target.room}`, e);
          if (delay === undefined) {
            this.#pending = undefined;
            this.#failures = 0;
          } else {
            this.#retry = setTimeout(() => {
              this.#retry = undefined;
              void this.#drain();
            }, delay);
          }
          return;
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  async #post(report: RoomReport | null): Promise<void> {
    const { party, room } = this.target;
    if (!partyNames().includes(party)) throw new Error(`no party named "${party}" in createWorker({...})`);
    const url = `https://roomkit.internal/parties/${encodeURIComponent(party)}/${encodeURIComponent(room)}/rooms/${encodeURIComponent(this.room.id)}`;
    const init: RequestInit =
      report === null ? { method: "DELETE" } : { method: "PUT", body: JSON.stringify(report), headers: { "content-type": "application/json" } };
    // Sent as this room (the caller header), which the lobby checks: no outside request can carry it.
    const res = await sendToRoom(this.room.env, party, room, new Request(url, init), { caller: { party: this.room.name, room: this.room.id }, owned: true });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`the lobby answered ${res.status}`);
  }
}
