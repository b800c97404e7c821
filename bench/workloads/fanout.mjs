// fan-out: one room, N clients, a few senders; every message goes to everyone.
import { broadcastLoop, closeAll, openMany, warmThenMeasure } from "../lib/clients.mjs";
import { CORE_IMPLS, CORE_REFERENCES } from "../lib/impls.mjs";
import { percentile } from "../lib/stats.mjs";

export default {
  name: "fanout",
  title: "Fan-out: 1 room, every message broadcast to all clients",
  impls: CORE_IMPLS,
  references: CORE_REFERENCES,
  mode: "shared",
  sizes: { full: { clients: 100, senders: 10, durationMs: 3_000 }, smoke: { clients: 8, senders: 2, durationMs: 300 } },
  describe: (s) => `${s.clients} clients in one room, ${s.senders} of them sending (one message in flight each) for ${s.durationMs / 1000} s`,
  figures: {
    deliveredPerSec: { label: "delivered msg/s", better: "higher", digits: 0 },
    p50Ms: { label: "p50 latency ms", better: "lower", digits: 2 },
    p99Ms: { label: "p99 latency ms", better: "lower", digits: 2 },
    cpuMsPer1k: { label: "workerd CPU ms / 1k deliveries", better: "lower", digits: 2 },
  },
  async setup(server, impl, s, tag) {
    const url = impl.url(server.ws, `fanout-${tag}`);
    return {
      sockets: await openMany(
        Array.from({ length: s.clients }, (_, i) => `${url}?_pk=c${i}`),
        50,
      ),
    };
  },
  async sample(server, impl, state, s) {
    const r = await warmThenMeasure(server, (durationMs) => broadcastLoop([state.sockets], { sendersPerRoom: s.senders, durationMs }), s.durationMs);
    return {
      check: { lost: r.lost, outOfOrder: r.outOfOrder },
      values: {
        deliveredPerSec: r.delivered / r.seconds,
        p50Ms: percentile(r.latencies, 50),
        p99Ms: percentile(r.latencies, 99),
        cpuMsPer1k: (r.cpuMs / r.delivered) * 1000,
      },
    };
  },
  async teardown(state) {
    await closeAll(state.sockets);
  },
};
