// many rooms: R rooms × K clients, every client sending to its room.
import { broadcastLoop, closeAll, openMany, warmThenMeasure } from "../lib/clients.mjs";
import { CORE_IMPLS, CORE_REFERENCES } from "../lib/impls.mjs";
import { percentile } from "../lib/stats.mjs";

export default {
  name: "rooms",
  title: "Many rooms: every client broadcasting to its own room",
  impls: CORE_IMPLS,
  references: CORE_REFERENCES,
  mode: "shared",
  sizes: { full: { rooms: 200, perRoom: 5, durationMs: 3_000 }, smoke: { rooms: 4, perRoom: 3, durationMs: 300 } },
  describe: (s) => `${s.rooms} rooms × ${s.perRoom} clients, every client sending (one message in flight each) for ${s.durationMs / 1000} s`,
  figures: {
    deliveredPerSec: { label: "delivered msg/s", better: "higher", digits: 0 },
    p99Ms: { label: "p99 latency ms", better: "lower", digits: 1 },
    cpuMsPer1k: { label: "workerd CPU ms / 1k deliveries", better: "lower", digits: 2 },
  },
  async setup(server, impl, s, tag) {
    const rooms = [];
    for (let r = 0; r < s.rooms; r++) {
      const url = impl.url(server.ws, `rooms-${tag}-${r}`);
      rooms.push(Array.from({ length: s.perRoom }, (_, i) => `${url}?_pk=c${i}`));
    }
    const flat = await openMany(rooms.flat(), 50);
    return { rooms: rooms.map((_, r) => flat.slice(r * s.perRoom, (r + 1) * s.perRoom)) };
  },
  async sample(server, impl, state, s) {
    const r = await warmThenMeasure(server, (durationMs) => broadcastLoop(state.rooms, { sendersPerRoom: s.perRoom, durationMs }), s.durationMs);
    return {
      check: { lost: r.lost, outOfOrder: r.outOfOrder },
      values: { deliveredPerSec: r.delivered / r.seconds, p99Ms: percentile(r.latencies, 99), cpuMsPer1k: (r.cpuMs / r.delivered) * 1000 },
    };
  },
  async teardown(state) {
    await closeAll(state.rooms.flat());
  },
};
