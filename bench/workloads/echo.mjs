// echo + storage.put: each message is written to storage, then sent back.
import { closeAll, echoLoop, openMany, warmThenMeasure } from "../lib/clients.mjs";
import { CORE_IMPLS, CORE_REFERENCES } from "../lib/impls.mjs";

export default {
  name: "echo",
  title: "Echo round trip with a storage.put per message",
  impls: CORE_IMPLS,
  references: CORE_REFERENCES,
  mode: "shared",
  sizes: { full: { clients: 10, durationMs: 3_000 }, smoke: { clients: 2, durationMs: 300 } },
  describe: (s) => `${s.clients} clients in one room, each with one message in flight, for ${s.durationMs / 1000} s`,
  figures: {
    roundTripsPerSec: { label: "round trips/s", better: "higher", digits: 0 },
    cpuMsPer1k: { label: "workerd CPU ms / 1k round trips", better: "lower", digits: 2 },
  },
  async setup(server, impl, s, tag) {
    const url = impl.url(server.ws, `echo-${tag}`);
    return { sockets: await openMany(Array.from({ length: s.clients }, (_, i) => `${url}?_pk=c${i}`)) };
  },
  async sample(server, impl, state, s) {
    const r = await warmThenMeasure(server, (durationMs) => echoLoop(state.sockets, { durationMs }), s.durationMs);
    return { check: { outOfOrder: r.outOfOrder }, values: { roundTripsPerSec: r.roundTrips / r.seconds, cpuMsPer1k: (r.cpuMs / r.roundTrips) * 1000 } };
  },
  async teardown(state) {
    await closeAll(state.sockets);
  },
};
