/**
 * The lobby's bookkeeping, as pure functions: what a game room reports, what
 * the lobby lists, and which room "quick join" picks.
 * @module
 */
import type { JsonValue } from "./patch.js";

/** What a game room tells its lobby about itself. */
export type RoomReport = {
  /** The game room's party name. */
  party: string;
  /** Players holding a seat (connected, or away within the grace period). */
  players: number;
  /** Players connected right now. */
  connected: number;
  spectators: number;
  maxPlayers: number;
  /** Whether the room takes new players (it may close itself, e.g. once a match starts). */
  open: boolean;
  /** The room's `lobbyInfo(state)`: anything small the lobby should show. */
  info: JsonValue;
};

/** A room as the lobby lists it. */
export type RoomListing = RoomReport & {
  /** The game room's id. */
  room: string;
  /** Seats promised to quick-joiners who have not connected yet. */
  reserved: number;
  /** Seats a quick join could still get: `maxPlayers - players - reserved`. */
  free: number;
  /** When the room last reported (epoch ms). */
  updatedAt: number;
};

/** What the lobby stores per room. */
export type LobbyEntry = RoomReport & {
  room: string;
  updatedAt: number;
  /** Expiry times (epoch ms) of outstanding reservations, oldest first. */
  reservations: number[];
};

/**
 * Applies a report: reservations are consumed as players arrive.
 *
 * @example
 * ```ts
 * let entry = applyReport(undefined, "r-1", report, Date.now());
 * entry = applyReport(entry, "r-1", { ...report, players: report.players + 1 }, Date.now()); // a reservation is used up
 * ```
 */
export function applyReport(previous: LobbyEntry | undefined, room: string, report: RoomReport, now: number): LobbyEntry {
  const reservations = live(previous?.reservations ?? [], now);
  const arrived = Math.max(0, report.players - (previous?.players ?? 0));
  return { ...report, room, updatedAt: now, reservations: reservations.slice(arrived) };
}

/**
 * The public listing of an entry at `now`.
 *
 * @example
 * ```ts
 * const rooms = [...entries.values()].map((e) => listing(e, Date.now()));
 * ```
 */
export function listing(entry: LobbyEntry, now: number): RoomListing {
  const { reservations, ...report } = entry;
  const reserved = live(reservations, now).length;
  return { ...report, reserved, free: Math.max(0, entry.maxPlayers - entry.players - reserved) };
}

/**
 * Whether an entry should disappear from the lobby at `now`.
 *
 * @example
 * ```ts
 * for (const [id, e] of entries) if (isGone(e, Date.now(), 90_000)) entries.delete(id);
 * ```
 */
export function isGone(entry: LobbyEntry, now: number, staleAfterMs: number): boolean {
  if (entry.updatedAt + staleAfterMs <= now) return true;
  return entry.players === 0 && live(entry.reservations, now).length === 0;
}

/**
 * Quick join's choice: among open rooms with a free seat, the fullest (so
 * players end up together rather than spread thin), then the oldest report
 * (stable), then the id. `undefined` when a new room is needed.
 *
 * @example
 * ```ts
 * const entry = pickRoom(entries.values(), Date.now());
 * const room = entry ? entry.room : newRoomId();
 * ```
 */
export function pickRoom(entries: Iterable<LobbyEntry>, now: number): LobbyEntry | undefined {
  let best: { entry: LobbyEntry; players: number } | undefined;
  for (const entry of entries) {
    const l = listing(entry, now);
    if (!entry.open || l.free <= 0) continue;
    const players = entry.players + l.reserved;
    if (
      !best ||
      players > best.players ||
      (players === best.players && (entry.updatedAt < best.entry.updatedAt || (entry.updatedAt === best.entry.updatedAt && entry.room < best.entry.room)))
    ) {
      best = { entry, players };
    }
  }
  return best?.entry;
}

/**
 * Adds one reservation that lapses at `until`.
 *
 * @example
 * ```ts
 * entries.set(entry.room, reserve(entry, now, now + 10_000)); // a seat held for the quick-joiner
 * ```
 */
export function reserve(entry: LobbyEntry, now: number, until: number): LobbyEntry {
  return { ...entry, reservations: [...live(entry.reservations, now), until] };
}

function live(reservations: readonly number[], now: number): number[] {
  return reservations.filter((t) => t > now);
}
