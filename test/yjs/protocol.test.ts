// The frames a Yjs room sends are byte-for-byte what y-protocols clients decode:
// the room builds them at their exact size by hand (src/yjs/protocol.ts), so every
// varUint length boundary is checked against lib0, which the clients use.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { expect, it } from "vitest";
import { encodeAwareness, encodeQueryAwareness, encodeSyncStep1, encodeSyncStep2, encodeUpdate } from "../../src/yjs/protocol.js";

const lib0Frame = (type: number, sub: number | undefined, payload: Uint8Array) => {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, type);
  if (sub !== undefined) encoding.writeVarUint(enc, sub);
  encoding.writeVarUint8Array(enc, payload);
  return encoding.toUint8Array(enc);
};

/** Byte equality without a deep-equal's per-element cost (payloads up to 2 MiB). */
const same = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

it("update, sync and awareness frames equal lib0's encoding at every varUint length boundary", () => {
  for (const n of [0, 1, 127, 128, 129, 16_383, 16_384, 16_385, 2_097_151, 2_097_152]) {
    const payload = new Uint8Array(n).map((_, i) => (i * 31) & 0xff);
    expect(same(encodeUpdate(payload), lib0Frame(0, 2, payload)), `update of ${n} bytes`).toBe(true);
    expect(same(encodeSyncStep1(payload), lib0Frame(0, 0, payload)), `sync step 1 of ${n} bytes`).toBe(true);
    expect(same(encodeSyncStep2(payload), lib0Frame(0, 1, payload)), `sync step 2 of ${n} bytes`).toBe(true);
    expect(same(encodeAwareness(payload), lib0Frame(1, undefined, payload)), `awareness of ${n} bytes`).toBe(true);
    // And a client reads the payload back whole.
    const decoder = decoding.createDecoder(encodeUpdate(payload));
    expect([decoding.readVarUint(decoder), decoding.readVarUint(decoder)]).toEqual([0, 2]);
    expect(same(decoding.readVarUint8Array(decoder), payload)).toBe(true);
  }
  expect(encodeQueryAwareness()).toEqual(Uint8Array.of(3));
});
