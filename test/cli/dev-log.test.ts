// roomkit dev's output: one readable line per request and connection, no offline noise.
import { describe, expect, it } from "vitest";
import { DevLogParser, MAX_SHOWN_PATH, formatEvent } from "../../cli/dev-log.js";

const at = new Date(2026, 0, 1, 9, 5, 7);

describe("dev log", () => {
  it("turns wrangler's request lines into one line each", () => {
    const p = new DevLogParser();
    const e = p.classify("[wrangler:info] GET /parties/main/x 200 OK (16ms)");
    expect(e).toEqual({ kind: "request", method: "GET", path: "/parties/main/x", status: 200, text: "OK", ms: 16 });
    expect(formatEvent(e as never, at)).toBe("09:05:07  GET    /parties/main/x  200 OK (16ms)");
    expect(formatEvent(p.classify("[wrangler:info] POST /api 404 Not Found (3ms)") as never, at)).toBe("09:05:07  POST   /api  404 Not Found (3ms)");
  });

  it("shortens a hostile long path to one line that still says how long it was", () => {
    const p = new DevLogParser();
    const path = `/party/${"a".repeat(10_240)}`;
    const line = formatEvent(p.classify(`[wrangler:info] GET ${path} 400 Bad Request (7ms)`) as never, at);
    expect(line.length).toBeLessThan(MAX_SHOWN_PATH + 80);
    expect(line).toBe(`09:05:07  GET    ${path.slice(0, MAX_SHOWN_PATH - 40)}… (10,247 characters)  400 Bad Request (7ms)`);
  });

  it("shows WebSocket upgrades as connections to party/room", () => {
    const p = new DevLogParser();
    const e = p.classify("\u001b[32m[wrangler:info] GET /parties/chat/my%20room?_pk=abc 101 Switching Protocols (9ms)\u001b[39m");
    expect(e).toEqual({ kind: "connect", path: "/parties/chat/my%20room?_pk=abc", ms: 9 });
    expect(formatEvent(e as never, at)).toBe("09:05:07  ⇄ connect  chat/my room (9ms)");
    expect(formatEvent(p.classify("[wrangler:info] GET /party/lobby 101 Switching Protocols (1ms)") as never, at)).toBe(
      "09:05:07  ⇄ connect  main/lobby (1ms)",
    );
  });

  it("shows a room's close report as one line with the connection id and the close code", () => {
    const p = new DevLogParser();
    const e = p.classify("[roomkit:dev] close chat my%20room c%2F1 1009");
    expect(e).toEqual({ kind: "close", party: "chat", room: "my room", id: "c/1", code: 1009 });
    expect(formatEvent(e as never, at)).toBe("09:05:07  ⇄ close    chat/my room c/1 (1009 message too big)");
    expect(formatEvent(p.classify("[roomkit:dev] close main lobby x 4000") as never, at)).toBe("09:05:07  ⇄ close    main/lobby x (4000)");
    // A user's own log line that merely looks similar passes through.
    expect(p.classify("[roomkit:dev] close chat room").kind).toBe("pass");
  });

  it("recognises the ready line and passes everything else through", () => {
    const p = new DevLogParser();
    expect(p.classify("[wrangler:info] Ready on http://127.0.0.1:1999")).toEqual({ kind: "ready", url: "http://127.0.0.1:1999" });
    expect(p.classify("counter: flushed 3")).toEqual({ kind: "pass", text: "counter: flushed 3" });
  });

  it("drops the offline Request.cf warning and its stack trace, and nothing after it", () => {
    const p = new DevLogParser();
    const lines = [
      "[wrangler:warn] Unable to fetch the `Request.cf` object! Falling back to a default placeholder...",
      "Error: getaddrinfo ENOTFOUND workers.cloudflare.com",
      "    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)",
      "    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17)",
      "⎔ Starting local server...",
    ];
    expect(lines.map((l) => p.classify(l).kind)).toEqual(["drop", "drop", "drop", "drop", "pass"]);
  });
});
