// The Worker entry: routing, room id validation, edge hooks, CORS, misconfiguration.
import { SELF, env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { connect } from "../../src/testing/index.js";

const get = (path: string, init?: RequestInit) => SELF.fetch(`http://example.com${path}`, init);

describe("routing", () => {
  it("partysocket's default paths reach the main party: /parties/main/:room and /party/:room", async () => {
    const a = await connect(SELF, "/parties/main/shared-room");
    expect(await a.next()).toBe("0");
    a.send("increment");
    expect(await a.next()).toBe("1");
    const b = await connect(SELF, "/party/shared-room");
    expect(await b.next()).toBe("1");
    await Promise.all([a.close(), b.close()]);
  });

  it("unknown party: 404 naming the known parties", async () => {
    const res = await get("/parties/nope/room");
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toMatch(/Unknown party "nope"/);
    expect(body).toMatch(/main, probe, probe-mem/);
  });

  it.each([
    ["/parties/main/", 400, /Missing room id/],
    ["/parties/main", 400, /Missing room id/],
    ["/parties", 400, /Missing party and room/],
    ["/parties/", 400, /Missing party and room/],
    ["/parties/main/a%2Fb", 400, /must not contain "\/"/],
    ["/parties/main/%2e%2e", 400, /Missing party and room/], // URL normalisation turns it into /parties/
    ["/parties/main/.%2E", 400, /Missing party and room/],
    ["/parties/main/..", 400, /Missing party and room/],
    ["/parties/main/%00abc", 400, /control characters/],
    ["/parties/main/a%0Ab", 400, /control characters/],
    ["/parties/main/%E0%A4%A", 400, /not valid percent-encoded UTF-8/],
    ["/parties/main/%FF", 400, /not valid percent-encoded UTF-8/],
    [`/parties/main/${"x".repeat(10_240)}`, 400, /longer than 256 characters/],
    [`/parties/main/${"%C3%A9".repeat(300)}`, 400, /longer than 256 characters/],
  ])("hostile path %s → %i", async (path, status, reason) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(reason);
  });

  it("a rejected room id never instantiates a Durable Object", async () => {
    const before = (await listDurableObjectIds(env.MAIN)).length;
    await get("/parties/main/a%2Fb");
    await get(`/parties/main/${"y".repeat(5000)}`);
    expect((await listDurableObjectIds(env.MAIN)).length).toBe(before);
  });

  it("room ids are decoded once: unicode and spaces are fine, and the same room either way", async () => {
    const res = await get("/parties/probe/caf%C3%A9%20%F0%9F%8E%89/x");
    expect(await res.json()).toMatchObject({ room: "café 🎉", path: "/parties/probe/caf%C3%A9%20%F0%9F%8E%89/x" });
  });

  it("paths outside the party prefixes go to the main party's onFetch; null from it is a 404", async () => {
    const hello = await get("/hello");
    expect(hello.status).toBe(200);
    // lobby.parties has every party of the worker: as many as the 404 for an unknown party names.
    const known = (await (await get("/parties/nope/r")).text()).replace(/^.*Known parties: (.*)\.$/s, "$1").split(", ");
    expect(known.length).toBeGreaterThan(10);
    expect(await hello.text()).toBe(`hello from onFetch; parties: ${known.length}`);
    const res = await get("/somewhere");
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/Not found/);
  });

  it("a WebSocket to a room without socket hooks is refused with 400 and a reason", async () => {
    const res = await get("/parties/http-only/r", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/does not accept WebSocket connections/);
  });

  it("plain HTTP to a socket-only room is 426 with a reason", async () => {
    const res = await get("/parties/socket-only/r");
    expect(res.status).toBe(426);
    expect(res.headers.get("upgrade")).toBe("websocket");
    expect(await res.text()).toMatch(/only accepts WebSocket/);
  });

  it("a connection id (_pk) that is too long or has control characters is refused", async () => {
    const res = await get(`/parties/socket-only/r?_pk=${"i".repeat(300)}`, { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/Invalid connection id/);
  });

  it("clients cannot forge the routing headers", async () => {
    const res = await get("/parties/probe/real-room", { headers: { "x-roomkit-room": "other", "x-roomkit-party": "main" } });
    expect(await res.json()).toMatchObject({ room: "real-room", party: "probe" });
  });
});

describe("edge hooks", () => {
  it("onBeforeConnect can forward a request with a verified identity", async () => {
    const ws = await connect(SELF, "/parties/guarded/r1?token=good");
    expect(JSON.parse((await ws.next()) as string)).toEqual({ user: "alice@r1" });
    await ws.close();
  });

  it("onBeforeConnect returning a Response refuses the socket, and the room is never created", async () => {
    const before = (await listDurableObjectIds(env.GUARDED)).length;
    const res = await get("/parties/guarded/never-created?token=bad", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe("Forbidden");
    expect((await listDurableObjectIds(env.GUARDED)).length).toBe(before);
  });

  it("a throw in onBeforeConnect is a 401 with the message (and no stack)", async () => {
    const res = await get("/parties/guarded/r?token=throw", { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe("Token expired");
  });

  it("onBeforeRequest guards HTTP", async () => {
    expect((await get("/parties/guarded/r")).status).toBe(401);
    const ok = await get("/parties/guarded/r", { headers: { authorization: "Bearer good" } });
    expect(await ok.json()).toEqual({ user: "bob" });
  });

  it("a hook returning neither a Request nor a Response is a logged 500, its body drained, and the next request is served", async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
    });
    try {
      const body = "x".repeat(64 * 1024);
      const res = await get("/parties/guarded/r", { method: "POST", body, headers: { authorization: "Bearer wrong-return" } });
      expect(res.status).toBe(500);
      expect(await res.text()).toBe("Internal server error");
      expect(logged.some((l) => l.includes("Guarded.onBeforeRequest") && l.includes("must return a Request or a Response"))).toBe(true);
    } finally {
      spy.mockRestore();
    }
    const ok = await get("/parties/guarded/r", { headers: { authorization: "Bearer good" } });
    expect(await ok.json()).toEqual({ user: "bob" });
  });
});

describe("lifecycle failures", () => {
  it("onStart that throws fails that request with a generic 500; the next request retries it", async () => {
    const first = await get("/parties/flaky/room-a");
    expect(first.status).toBe(500);
    expect(await first.text()).toBe("Internal server error");
    const second = await get("/parties/flaky/room-a");
    expect(second.status).toBe(200);
    expect(await second.text()).toBe("started after 2 attempts");
  });

  it("a socket whose onStart throws is closed with 1011; a retry connects", async () => {
    const ws = await connect(SELF, "/parties/flaky/room-b");
    expect(await ws.closed).toEqual({ code: 1011, reason: "Internal server error" });
    const again = await connect(SELF, "/parties/flaky/room-b");
    expect(await again.next()).toBe("hi");
    await again.close();
  });
});

describe("CORS", () => {
  it("answers preflight and decorates party responses when enabled", async () => {
    const pre = await get("/parties/probe/r", { method: "OPTIONS" });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    const res = await get("/parties/probe/r");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const err = await get("/parties/nope/r");
    expect(err.headers.get("access-control-allow-origin")).toBe("*");
  });
});
