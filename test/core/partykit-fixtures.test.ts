// The PartyKit servers in test/compat/fixtures (written against partykit/server, compiled
// against roomkit by the compat project) run unchanged in workerd with real clients.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, type TestSocket } from "../../src/testing/index.js";

type Msg = Record<string, any>;
const json = (s: TestSocket) => s.nextJSON<Msg>();
const fresh = (p: string) => `${p}-${Math.random().toString(36).slice(2, 10)}`;

describe("chat-server.ts (class API, hibernating, every hook)", () => {
  it("onBeforeConnect's req.headers.set reaches getConnectionTags and onConnect; messages relay; the sender is closed with 'bye'", async () => {
    const room = fresh("chat");
    expect((await SELF.fetch(`http://x/parties/pk-chat/${room}`, { headers: { upgrade: "websocket" } })).status).toBe(401);
    const alice = await connect(SELF, `/parties/pk-chat/${room}?token=alice&_pk=a`);
    const bob = await connect(SELF, `/parties/pk-chat/${room}?token=bob&_pk=b`);
    expect(await json(alice)).toMatchObject({ type: "history", messages: [], you: "alice" });
    expect(await json(bob)).toMatchObject({ type: "history", messages: [], you: "bob" });
    alice.send("hello");
    expect(await bob.next()).toBe("hello");
    expect(await alice.closed).toEqual({ code: 1000, reason: "bye" }); // the server closes the sender after each message
    await alice.close(); // this client answers a close frame only when told to; then onClose runs
    expect(await json(bob)).toEqual({ type: "left", id: "a" });
    const carol = await connect(SELF, `/parties/pk-chat/${room}?token=carol`);
    expect(await json(carol)).toMatchObject({ type: "history", messages: ["hello"], you: "carol" });
    await Promise.all([bob.close(), carol.close()]);
  });

  it("onBeforeRequest guards HTTP with env.SECRET; onRequest sees the room", async () => {
    const room = fresh("chat-http");
    expect((await SELF.fetch(`http://x/parties/pk-chat/${room}`)).status).toBe(403);
    const res = await SELF.fetch(`http://x/parties/pk-chat/${room}`, { headers: { authorization: "chat-secret" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: room, name: "pk-chat" });
  });
});

describe("legacy-names.ts and named-imports.ts (old type names)", () => {
  it("the legacy server counts connections in storage and relays messages", async () => {
    const room = fresh("legacy");
    const a = await connect(SELF, `/parties/pk-legacy/${room}?_pk=a`);
    expect(await a.next()).toMatch(new RegExp(`/parties/pk-legacy/${room}\\?_pk=a 1$`));
    const b = await connect(SELF, `/parties/pk-legacy/${room}?_pk=b`);
    expect(await b.next()).toMatch(/ 2$/);
    a.send("to b");
    expect(await b.next()).toBe("to b");
    await Promise.all([a.close(), b.close()]);
  });

  it("the echo server (Party as the room type) greets and relays", async () => {
    const room = fresh("echo");
    const a = await connect(SELF, `/parties/pk-echo/${room}?_pk=a`);
    expect(await a.next()).toBe(`welcome to ${room} (/parties/pk-echo/${room})`);
    const b = await connect(SELF, `/parties/pk-echo/${room}?_pk=b`);
    await b.next();
    b.send("hey");
    expect(await a.next()).toBe("b says hey");
    await Promise.all([a.close(), b.close()]);
  });

  it("the object-syntax server of legacy-names.ts announces joins and relays", async () => {
    const room = fresh("pk-object");
    const a = await connect(SELF, `/parties/pk-object/${room}?_pk=a`);
    expect(await a.next()).toBe(`a joined ${room}`);
    const b = await connect(SELF, `/parties/pk-object/${room}?_pk=b`);
    expect(await a.next()).toBe(`b joined ${room}`);
    expect(await b.next()).toBe(`b joined ${room}`);
    b.send("yo");
    expect(await a.next()).toBe("yo");
    await Promise.all([a.close(), b.close()]);
  });
});
