// A StreamRoom is a durable log already: asking it for durable broadcasts too would
// make two logs share one object's _stream_* tables, so defining such a room fails
// with a reason instead of corrupting either.
import { StreamRoom } from "roomkit/streams";
import { expect, it } from "vitest";

it("a StreamRoom with options.history is refused with a reason", () => {
  class Feed extends StreamRoom {
    static override options = { ...StreamRoom.options, history: true };
  }
  expect(() => new Feed({} as never)).toThrow(/Feed: a StreamRoom is already a durable log; remove options.history/);
});
