// partysocket's async `query` mints a fresh token for every (re)connect, so
// short-lived tokens work across reconnects; an expired one is refused.
import path from "node:path";
import { SignJWT } from "jose";
import PartySocket from "partysocket";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { DevServer } from "../support/wrangler-dev.js";

const fixture = path.join(import.meta.dirname, "fixtures");
const SECRET = new TextEncoder().encode("test-secret-test-secret-test-secret-0123");
let server: DevServer;
beforeAll(async () => {
  server = await DevServer.start({ cwd: fixture });
});
afterAll(() => server?.stop());

// `exp` is in whole seconds: rounding up makes a token live at least `ttlSeconds`
// (rounding down made a 1 s token already expired when minted late in a second).
const mint = (user: string, room: string, ttlSeconds: number) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(user)
    .setAudience(`room:${room}`)
    .setExpirationTime(Math.ceil(Date.now() / 1000) + ttlSeconds)
    .sign(SECRET);

it("a reconnect after the token expired succeeds with a freshly minted token", async () => {
  const room = `refresh-${Date.now()}`;
  const minted: string[] = [];
  const socket = new PartySocket({
    host: `127.0.0.1:${server.port}`,
    party: "secure",
    room,
    WebSocket: WebSocket as never,
    query: async () => {
      // The first token lives 2-3 s; the ones minted for reconnects a minute.
      const token = await mint("alice", room, minted.length === 0 ? 2 : 60);
      minted.push(token);
      return { token };
    },
  });
  const hello = () => new Promise<string>((r) => socket.addEventListener("message", (e) => r(e.data as string), { once: true }));
  expect(JSON.parse(await hello())).toEqual({ hello: "alice", room });

  // Let the first token expire, then force a reconnect: partysocket asks `query` again.
  await new Promise((r) => setTimeout(r, 3_100));
  const stale = await fetch(`${server.url}/parties/secure/${room}?token=${minted[0]}`);
  expect(stale.status).toBe(401);
  expect(await stale.text()).toBe("Token expired");

  const again = hello();
  const before = minted.length;
  socket.reconnect();
  expect(JSON.parse(await again)).toEqual({ hello: "alice", room });
  expect(minted.length).toBe(before + 1);
  expect(minted.at(-1)).not.toBe(minted[0]);
  socket.close();
});
