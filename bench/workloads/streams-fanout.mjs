// Durable Streams live fan-out: SSE readers at the tail of one stream, one writer
// appending timestamped messages.
import { percentile } from "../lib/stats.mjs";
import { fanout, streamName, streamsServers } from "../lib/streams.mjs";

export default {
  ...streamsServers,
  name: "streams-fanout",
  title: "Durable Streams: live fan-out to SSE readers",
  sizes: { full: { readers: 100, messages: 50, gapMs: 50 }, smoke: null },
  describe: (s) =>
    `${s.readers} SSE readers (live=sse from offset=now) on one stream; one writer appends ${s.messages} messages ${s.gapMs} ms apart; latency from just before the POST to each reader's parse, every delivery checked`,
  figures: {
    p50Ms: { label: "p50 latency ms", better: "lower", digits: 1 },
    p99Ms: { label: "p99 latency ms", better: "lower", digits: 1 },
  },
  async sample(_server, _impl, state, s) {
    const r = await fanout(state.server.url, streamName(state, "fo"), s.readers, s.messages, s.gapMs);
    return { check: { lost: r.missing }, values: { p50Ms: percentile(r.latencies, 50), p99Ms: percentile(r.latencies, 99) } };
  },
};
