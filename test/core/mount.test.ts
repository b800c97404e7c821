// roomkit mounted inside an existing Hono app with routeRoomkitRequest: the app keeps its
// routes and its 404, party URLs reach rooms (edge hooks included), partysocket connects through it.
import { createExecutionContext, env } from "cloudflare:test";
import PartySocket from "partysocket";
import { describe, expect, it } from "vitest";
import { webSocketThrough } from "../../src/testing/index.js";
import { app } from "./fixtures/hono-app.js";

const through = { fetch: async (input: string | Request, init?: RequestInit) => app.fetch(new Request(input, init), env, createExecutionContext()) };
const get = (path: string, init?: RequestInit) => through.fetch(`http://example.com${path}`, init);

function nextMessage(socket: PartySocket): Promise<string> {
  return new Promise((resolve) => socket.addEventListener("message", (e) => resolve(String(e.data)), { once: true }));
}

describe("roomkit inside a Hono app", () => {
  it("the app's own routes and 404 still answer", async () => {
    expect(await (await get("/health")).text()).toBe("ok");
    expect(await (await get("/api/users/7")).json()).toEqual({ user: "7" });
    const missing = await get("/nowhere");
    expect([missing.status, await missing.text()]).toEqual([404, "hono: no such page"]);
  });

  it("partysocket clients connect to a room through the app and share it", async () => {
    const room = `hono-${crypto.randomUUID()}`;
    const options = { host: "example.com", room, WebSocket: webSocketThrough(through), maxRetries: 0 };
    const a = new PartySocket(options);
    expect(await nextMessage(a)).toBe("0");
    const b = new PartySocket({ ...options, party: "main" });
    expect(await nextMessage(b)).toBe("0");
    const seenByB = nextMessage(b);
    a.send("increment");
    expect(await seenByB).toBe("1");
    a.close();
    b.close();
  });

  it("party URLs get roomkit's answers, not the app's: unknown party 404, bad room id 400", async () => {
    const unknown = await get("/parties/nope/room");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toMatch(/Unknown party "nope". Known parties: main, guarded, sink/);
    const bad = await get("/parties/main/%00x");
    expect([bad.status, await bad.text()]).toEqual([400, "Room id must not contain control characters."]);
  });

  it("edge hooks run, and get the route the router parsed", async () => {
    const refused = await get("/parties/guarded/r1/secret");
    expect([refused.status, await refused.text()]).toEqual([401, "Unauthorized"]);
    const echoed = await get("/parties/sink/r%20one/a/b?x=1");
    expect(await echoed.json()).toEqual({ route: { party: "sink", room: "r one", rest: "/a/b" }, url: "/parties/sink/r%20one/a/b" });
    const preflight = await get("/parties/sink/r1", { method: "OPTIONS" });
    expect([preflight.status, preflight.headers.get("access-control-allow-origin")]).toEqual([204, "*"]);
  });
});
