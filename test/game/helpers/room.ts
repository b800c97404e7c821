// Driving a room under test: move its ManualClock, read its counters.
import { SELF, env } from "cloudflare:test";
import { expect } from "vitest";
import type { GameRoomStats } from "../../../src/game/index.js";

export type Stats = GameRoomStats & { timers: number; state: any };

const bindings = {
  arena: "ARENA",
  fog: "FOG",
  strict: "STRICT",
  nograce: "NOGRACE",
  realtime: "REALTIME",
  lobby: "LOBBY",
  ranked: "RANKED",
  "ranked-lobby": "RANKED_LOBBY",
  "tiny-lobby": "TINY_LOBBY",
} as const;
export type PartyName = keyof typeof bindings;

export const newRoom = (prefix = "r") => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export function stub(party: PartyName, room: string): DurableObjectStub {
  const ns = env[bindings[party]];
  return ns.get(ns.idFromName(room));
}

async function post(party: PartyName, room: string, path: string): Promise<Stats> {
  const res = await SELF.fetch(`http://x/parties/${party}/${room}/${path}`, { method: path === "stats" ? "GET" : "POST" });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json<Stats>();
}

/** Moves the room's clock forward by `ms`, firing the loop as a punctual event loop would. */
export const advance = (party: PartyName, room: string, ms: number) => post(party, room, `advance?ms=${ms}`);
/** Moves the clock by `ms` at once, then lets the loop run one (late) frame. */
export const stall = (party: PartyName, room: string, ms: number) => post(party, room, `stall?ms=${ms}`);
export const stats = (party: PartyName, room: string) => post(party, room, "stats");

/** Waits until the room has received input `seq` from player `id` (inputs travel on another socket than these HTTP calls). */
export async function received(party: PartyName, room: string, id: string, seq: number): Promise<void> {
  await expect
    .poll(async () => (await stats(party, room)).players.find((p) => p.id === id)?.received ?? -1, { timeout: 5_000, interval: 10 })
    .toBeGreaterThanOrEqual(seq);
}

export { runAlarmLater } from "../../support/alarm.js";
