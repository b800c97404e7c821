// Close reasons are cut to 123 bytes of UTF-8 at a code point boundary (RFC 6455 leaves
// 123 bytes for the reason); cutting 123 UTF-16 units made non-ASCII closes fail outright.
import { expect, it } from "vitest";
import { closeQuietly, truncateUtf8 } from "../../src/errors.js";

/** A real workerd socket pair: closes `server` with closeQuietly and reports what the client saw. */
async function closeSeenByClient(code: number, reason: string): Promise<{ code: number; reason: string } | "no close frame"> {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  client.accept();
  server.accept();
  const seen = new Promise<{ code: number; reason: string }>((resolve) =>
    client.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }), { once: true }),
  );
  closeQuietly(server, code, reason);
  // Bounded: a close that failed sends nothing at all.
  return Promise.race([seen, new Promise<"no close frame">((r) => setTimeout(() => r("no close frame"), 2_000))]);
}

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

it.each([
  ["two-byte characters", "é".repeat(100), "é".repeat(61)],
  ["astral characters (surrogate pairs) are never split", "🎉".repeat(40), "🎉".repeat(30)],
  ["three-byte characters", "€".repeat(50), "€".repeat(41)],
  ["ASCII", "x".repeat(300), "x".repeat(123)],
  ["short reasons unchanged", "Room is full (3 connections).", "Room is full (3 connections)."],
])("%s: the client receives the reason cut to 123 bytes", async (_name, reason, expected) => {
  const seen = await closeSeenByClient(4000, reason);
  expect(seen).toEqual({ code: 4000, reason: expected });
  expect(bytes(expected)).toBeLessThanOrEqual(123);
});

it("truncateUtf8 keeps whole code points only", () => {
  expect(truncateUtf8("a🎉", 4)).toBe("a");
  expect(truncateUtf8("a🎉", 5)).toBe("a🎉");
  expect(truncateUtf8("\ud800".repeat(50), 123)).toBe("\ud800".repeat(41)); // a lone surrogate is sent as 3 bytes (U+FFFD)
});
