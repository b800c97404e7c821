// Durable Streams catch-up: a reader reads a long stream from the start to the
// tail, following Stream-Next-Offset.
import { catchUp, streamName, streamsServers } from "../lib/streams.mjs";

export default {
  ...streamsServers,
  name: "streams-catchup",
  title: "Durable Streams: catch-up read of a long stream",
  sizes: { full: { messages: 100_000 }, smoke: null },
  describe: (s) =>
    `a stream filled with ${s.messages.toLocaleString("en-US")} small JSON messages (batches of 1,000, unmeasured), then read from offset -1 to the tail following Stream-Next-Offset by one Node client`,
  figures: {
    catchUpMs: { label: "catch-up ms", better: "lower", digits: 0 },
    messagesPerSec: { label: "messages/s", better: "higher", digits: 0 },
  },
  async sample(_server, _impl, state, s) {
    const r = await catchUp(state.server.url, streamName(state, "cu"), s.messages);
    return { check: { lost: s.messages - r.count }, values: { catchUpMs: r.seconds * 1000, messagesPerSec: r.count / r.seconds } };
  },
};
