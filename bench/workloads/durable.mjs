// Durable broadcasts (options.history): the fan-out of a room that stores every
// broadcast and frames it for resuming clients, against the same room without
// history, and the SQLite bytes each durable message adds.
import { broadcastLoop, closeAll, openMany } from "../lib/clients.mjs";
import { percentile } from "../lib/stats.mjs";

const WARMUP_MS = 300;

/** A durable message as a resuming client receives it: `\0rk|m|<offset>|<payload>`; other frames → null. */
export function unwrapDurable(text) {
  if (!text.startsWith("\u0000rk|")) return text;
  if (!text.startsWith("\u0000rk|m|")) return null;
  return text.slice(text.indexOf("|", 6) + 1);
}

/** The room's SQLite size, from the bench room's `onRequest`. */
export async function databaseSize(server, party, room) {
  const res = await fetch(`${server.http}/parties/${party}/${room}`);
  return (await res.json()).databaseSize;
}

export default {
  name: "durable",
  title: "Durable broadcasts: fan-out with options.history vs the same room without",
  impls: [
    { key: "roomkit", label: "roomkit (hibernating, plain)", party: "rk-hib", query: "" },
    { key: "durable", label: "roomkit (hibernating, history; resuming clients)", party: "rk-dur", query: "&_rk_offset=now" },
  ],
  references: { plain: "roomkit" },
  mode: "shared",
  sizes: { full: { clients: 100, senders: 10, durationMs: 3_000 }, smoke: { clients: 8, senders: 2, durationMs: 300 } },
  describe: (s) =>
    `${s.clients} clients in one room, ${s.senders} of them sending (one message in flight each) for ${s.durationMs / 1000} s; in the durable room every client connected with _rk_offset, so it gets framed messages`,
  figures: {
    deliveredPerSec: { label: "delivered msg/s", better: "higher", digits: 0 },
    p50Ms: { label: "p50 latency ms", better: "lower", digits: 2 },
    p99Ms: { label: "p99 latency ms", better: "lower", digits: 2 },
    cpuMsPer1k: { label: "workerd CPU ms / 1k deliveries", better: "lower", digits: 2 },
    bytesPerMessage: { label: "SQLite bytes / broadcast", better: "lower", digits: 0 },
  },
  async setup(server, impl, s, tag) {
    const room = `durable-${tag}`;
    const url = `${server.ws}/parties/${impl.party}/${room}`;
    return {
      room,
      sockets: await openMany(
        Array.from({ length: s.clients }, (_, i) => `${url}?_pk=c${i}${impl.query}`),
        50,
      ),
    };
  },
  async sample(server, impl, state, s) {
    const unwrap = impl.key === "durable" ? unwrapDurable : undefined;
    const load = (durationMs) => broadcastLoop([state.sockets], { sendersPerRoom: s.senders, durationMs, unwrap });
    await load(WARMUP_MS); // unmeasured; also wakes the room
    const size0 = await databaseSize(server, impl.party, state.room);
    const cpu0 = server.cpuMs();
    const r = await load(s.durationMs);
    const cpuMs = server.cpuMs() - cpu0;
    const grown = (await databaseSize(server, impl.party, state.room)) - size0;
    const broadcasts = r.delivered / s.clients; // every broadcast reached every client once (checked)
    return {
      check: { lost: r.lost, outOfOrder: r.outOfOrder },
      values: {
        deliveredPerSec: r.delivered / r.seconds,
        p50Ms: percentile(r.latencies, 50),
        p99Ms: percentile(r.latencies, 99),
        cpuMsPer1k: (cpuMs / r.delivered) * 1000,
        bytesPerMessage: grown / broadcasts,
      },
    };
  },
  async teardown(state) {
    await closeAll(state.sockets);
  },
};
