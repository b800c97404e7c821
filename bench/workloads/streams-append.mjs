// Durable Streams append throughput: 1 and 10 writers on one stream, each append
// acknowledged before that writer sends the next.
import { appendThroughput, streamName, streamsServers } from "../lib/streams.mjs";

export default {
  ...streamsServers,
  name: "streams-append",
  title: "Durable Streams: appends to one stream, 1 and 10 writers",
  sizes: { full: { durationMs: 3_000 }, smoke: null },
  describe: (s) =>
    `small JSON messages (~60 bytes) POSTed for ${s.durationMs / 1000} s by 1 writer, then by 10 writers to a fresh stream, each append acknowledged before that writer sends the next; every acknowledged append checked to be read back once`,
  figures: {
    append1PerSec: { label: "appends/s, 1 writer", better: "higher", digits: 0 },
    append10PerSec: { label: "appends/s, 10 writers", better: "higher", digits: 0 },
  },
  async sample(_server, _impl, state, s) {
    const one = await appendThroughput(state.server.url, streamName(state, "a1"), 1, s.durationMs);
    const ten = await appendThroughput(state.server.url, streamName(state, "a10"), 10, s.durationMs);
    return {
      check: { lost: one.appended + ten.appended - one.stored - ten.stored },
      values: { append1PerSec: one.perSec, append10PerSec: ten.perSec },
    };
  },
};
