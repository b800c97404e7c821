// connection storm: N clients join one room at once, in a fresh workerd each time.
import { closeAll, openMany, sleep } from "../lib/clients.mjs";
import { CORE_IMPLS, CORE_REFERENCES } from "../lib/impls.mjs";

export default {
  name: "storm",
  title: "Connection storm: clients joining one room at once",
  impls: CORE_IMPLS,
  references: CORE_REFERENCES,
  mode: "fresh", // resident memory never shrinks, so each sample gets its own process
  // A join costs under a millisecond, and a process's CPU per join varies by ±20 %, with one round in
  // three slow for every implementation alike. With 7 rounds the median moved by a few per cent from
  // run to run, as much as the differences this workload is read for (docs/benchmarks.md, round nine).
  rounds: 15,
  sizes: { full: { clients: 1_000 }, smoke: { clients: 60 } },
  describe: (s) => `${s.clients} clients opened at once (all handshakes in flight) into one room of a freshly started workerd`,
  figures: {
    allOpenMs: { label: "time to all open ms", better: "lower", digits: 0 },
    rssDeltaMiB: { label: "workerd RSS growth MiB", better: "lower", digits: 1 },
    cpuMsPerConn: { label: "workerd CPU ms / connection", better: "lower", digits: 3 },
  },
  async sample(server, impl, s, tag) {
    const url = impl.url(server.ws, `storm-${tag}`);
    // The worker and the object class are loaded by a first connection to another room.
    await closeAll(await openMany([impl.url(server.ws, `storm-warm-${tag}`)]));
    await sleep(200);
    const rss0 = server.rss();
    const cpu0 = server.cpuMs();
    const t0 = performance.now();
    const sockets = await openMany(Array.from({ length: s.clients }, (_, i) => `${url}?_pk=c${i}`));
    const allOpenMs = performance.now() - t0;
    const cpu = server.cpuMs() - cpu0;
    await sleep(1_000);
    const rss = server.rss();
    await closeAll(sockets);
    return { values: { allOpenMs, rssDeltaMiB: (rss - rss0) / 2 ** 20, cpuMsPerConn: cpu / s.clients } };
  },
};
