// The signed-token pattern of docs/security.md, end to end through the Worker.
import { SELF, env, listDurableObjectIds } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/testing/index.js";

const key = (secret = env.AUTH_SECRET) => new TextEncoder().encode(secret);
async function token(user: string, room: string, { ttl = "5m", secret }: { ttl?: string; secret?: string } = {}) {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(user)
    .setAudience(`room:${room}`)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(key(secret));
}
const refuse = async (path: string) => {
  const before = (await listDurableObjectIds(env.SECURE)).length;
  const res = await SELF.fetch(`http://x${path}`, { headers: { upgrade: "websocket" } });
  expect((await listDurableObjectIds(env.SECURE)).length).toBe(before); // the room never started
  return { status: res.status, body: await res.text() };
};

describe("signed tokens at the edge", () => {
  it("a valid token connects, and the room sees only the verified identity", async () => {
    const room = `a-${Math.random()}`;
    const ws = await connect(SELF, `/parties/secure/${room}?token=${await token("alice", room)}`, {
      headers: { "x-verified-user": "mallory" }, // a forged header is overwritten
    });
    expect(await ws.nextJSON()).toEqual({ hello: "alice", room });
    await ws.close();
  });

  it("missing, forged, expired and other-room tokens are refused before the room exists", async () => {
    const room = `b-${Math.random()}`;
    expect(await refuse(`/parties/secure/${room}`)).toEqual({ status: 401, body: "Missing token" });
    expect(await refuse(`/parties/secure/${room}?token=not.a.jwt`)).toEqual({ status: 401, body: "Invalid token" });
    const forged = await token("alice", room, { secret: "another-secret-another-secret-0123" });
    expect(await refuse(`/parties/secure/${room}?token=${forged}`)).toEqual({ status: 401, body: "Invalid token" });
    const expired = await token("alice", room, { ttl: "-1m" });
    expect(await refuse(`/parties/secure/${room}?token=${expired}`)).toEqual({ status: 401, body: "Token expired" });
    const elsewhere = await token("alice", "some-other-room");
    expect(await refuse(`/parties/secure/${room}?token=${elsewhere}`)).toEqual({ status: 401, body: "Token is for another room" });
    const tampered = (await token("alice", room)).replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}AA.`);
    expect((await refuse(`/parties/secure/${room}?token=${tampered}`)).status).toBe(401);
  });

  it("HTTP uses the same check through onBeforeRequest", async () => {
    const room = `c-${Math.random()}`;
    expect((await SELF.fetch(`http://x/parties/secure/${room}`)).status).toBe(401);
    const res = await SELF.fetch(`http://x/parties/secure/${room}`, { headers: { authorization: `Bearer ${await token("bob", room)}` } });
    expect(await res.json()).toEqual({ user: "bob", notes: [] });
  });

  it("one room never sees another room's storage or connections", async () => {
    const [r1, r2] = [`d1-${Math.random()}`, `d2-${Math.random()}`];
    const a = await connect(SELF, `/parties/secure/${r1}?token=${await token("alice", r1)}`);
    const b = await connect(SELF, `/parties/secure/${r2}?token=${await token("bob", r2)}`);
    await Promise.all([a.next(), b.next()]);
    a.send("alice's secret");
    expect(await a.nextJSON()).toEqual({ notes: [["note:alice", "alice's secret"]], connections: ["alice"] });
    b.send("bob's note");
    expect(await b.nextJSON()).toEqual({ notes: [["note:bob", "bob's note"]], connections: ["bob"] });
    await Promise.all([a.close(), b.close()]);
  });
});
