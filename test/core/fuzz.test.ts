// Property-based tests: hostile paths, methods, headers and frames never crash a
// room, never leak internals, and never affect other rooms or connections.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchRoute, MAX_ROOM_ID_LENGTH } from "../../src/router.js";
import { connect } from "../../src/testing/index.js";

const parties = ["main", "probe", "limited"];
const LEAK = /\n\s+at |Error:|RoomkitError|secret detail|node_modules|\.ts:\d/;

const hostileSegment = fc.oneof(
  fc.constantFrom(
    "",
    ".",
    "..",
    "%2e%2e",
    "%2F",
    "%2f..%2f",
    "%00",
    "%0A",
    "%7F",
    "%C2%85",
    "%",
    "%E0%A4%A",
    "%FF%FE",
    "%u0041",
    "\\",
    "..%5c",
    "?",
    "#",
    ";",
    "%20",
    "é",
    "🎉",
    "%F0%9F%8E%89",
  ),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: "grapheme", maxLength: 30 }).map(encodeURIComponent),
  fc.integer({ min: 200, max: 12_000 }).map((n) => "a".repeat(n)),
);
const hostilePath = fc
  .tuple(fc.constantFrom("/parties/", "/party/", "/parties", "/", "//parties/", "/PARTIES/"), fc.array(hostileSegment, { minLength: 0, maxLength: 4 }))
  .map(([prefix, segs]) => prefix + segs.join("/"));

describe("router properties", () => {
  it("never throws and always answers with a known shape", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostilePath,
          fc.string().map((s) => "/" + s),
        ),
        (path) => {
          const route = matchRoute(path, parties);
          expect(["room", "error", "none"]).toContain(route.kind);
          if (route.kind === "error") expect(route.reason).not.toMatch(/[\u0000-\u001f]/);
          if (route.kind === "room") {
            expect(route.room.length).toBeGreaterThan(0);
            expect(route.room).not.toContain("/");
            expect([...route.room].length).toBeLessThanOrEqual(MAX_ROOM_ID_LENGTH);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("every valid room id round-trips through its encoded URL", () => {
    const validId = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 60 })
      .filter((s) => !s.includes("/") && s !== "." && s !== ".." && !/[\u0000-\u001f\u007f-\u009f]/.test(s));
    fc.assert(
      fc.property(validId, fc.constantFrom("", "/", "/x/y"), (id, rest) => {
        const route = matchRoute(`/parties/probe/${encodeURIComponent(id)}${rest}`, parties);
        expect(route).toEqual({ kind: "room", party: "probe", room: id, rest: rest === "" ? "" : rest });
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("the worker under hostile HTTP", () => {
  it("answers every request with a clear status and no internal detail", async () => {
    const methods = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND");
    const headers = fc.dictionary(
      fc.constantFrom("x-roomkit-room", "x-roomkit-party", "upgrade", "content-type", "x-forwarded-for", "cookie", "origin"),
      fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
      { maxKeys: 3 },
    );
    await fc.assert(
      fc.asyncProperty(hostilePath, methods, headers, async (path, method, hdrs) => {
        const res = await SELF.fetch(`http://example.com${path.replace(/#.*/, "")}`, { method, headers: hdrs });
        const body = method === "HEAD" ? "" : await res.text();
        expect([101, 200, 204, 400, 404, 405, 426]).toContain(res.status);
        expect(body).not.toMatch(LEAK);
        if (res.status === 101) (res as unknown as { webSocket: WebSocket }).webSocket.accept();
      }),
      { numRuns: 200 },
    );
  });
});

describe("rooms under hostile frames", () => {
  it("random text and binary frames never break the room for others", async () => {
    const room = `/parties/main/fuzz-${Math.random()}`;
    const witness = await connect(SELF, room);
    expect(await witness.next()).toBe("0");
    const frame = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: "grapheme", maxLength: 100 }),
      fc.constantFrom("increment", "INCREMENT", "", "\u0000", '{"cmd":', "increment\u0000"),
      fc.uint8Array({ maxLength: 300 }),
    );
    let increments = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
        const attacker = await connect(SELF, room);
        await attacker.next();
        for (const f of frames) {
          attacker.send(f);
          if (f === "increment") increments++;
        }
        await attacker.close();
      }),
      { numRuns: 40 },
    );
    // The witness saw exactly one broadcast per real increment, in order.
    const seen: string[] = [];
    while (seen.length < increments) seen.push((await witness.next()) as string);
    expect(seen).toEqual(Array.from({ length: increments }, (_, i) => String(i + 1)));
    witness.send("increment");
    expect(await witness.next()).toBe(String(increments + 1));
    await witness.close();
  });
});
