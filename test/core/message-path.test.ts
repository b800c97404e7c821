// The join and message paths of a started room call onConnect and onMessage without an
// async frame of their own (src/host.ts), so a synchronous hook that throws takes a
// different branch from an async one that rejects (party.test.ts): the same promise to
// the user.
import { SELF } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { connect } from "../../src/testing/index.js";

/** Runs `body` with console.error captured: the lines the room logged, errors as "Name: message". */
async function withErrorLog(body: (logged: string[]) => Promise<void>): Promise<void> {
  const logged: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(" "));
  });
  try {
    await body(logged);
  } finally {
    spy.mockRestore();
  }
}

it("a synchronous throw in onMessage is logged with the connection id and the connection stays open", async () => {
  await withErrorLog(async (logged) => {
    const room = `sync-throw-${Math.random().toString(36).slice(2, 8)}`;
    const a = await connect(SELF, `/parties/socket-only/${room}?_pk=a`);
    a.send("first");
    expect(await a.next()).toBe("first");
    a.send("throw");
    a.send("still here");
    expect(await a.next()).toBe("still here");
    expect(
      logged.filter((l) => l.includes(`socket-only/${room} onMessage of connection "a"`) && l.includes("secret detail from a synchronous onMessage")),
    ).toHaveLength(1);
    expect(a.pending).toHaveLength(0);
    await a.close();
  });
});

it("a synchronous onConnect is answered in the join's turn: its message arrives, and its throw closes only that socket with 1011 and is logged", async () => {
  await withErrorLog(async (logged) => {
    const room = `sync-connect-${Math.random().toString(36).slice(2, 8)}`;
    // The first join starts the room; the later ones find it started.
    const a = await connect(SELF, `/parties/socket-only/${room}?_pk=a&hello`);
    expect(await a.next()).toBe("welcome a");
    const b = await connect(SELF, `/parties/socket-only/${room}?_pk=b&hello`);
    expect(await b.next()).toBe("welcome b");
    const bad = await connect(SELF, `/parties/socket-only/${room}?_pk=bad&fail=connect`);
    const closed = await bad.closed;
    expect(closed).toMatchObject({ code: 1011, reason: "Internal server error" });
    expect(bad.pending).toHaveLength(0);
    expect(
      logged.filter((l) => l.includes(`socket-only/${room} onConnect of connection "bad"`) && l.includes("secret detail from a synchronous onConnect")),
    ).toHaveLength(1);
    a.send("a is still here");
    expect(await a.next()).toBe("a is still here");
    b.send("and b");
    expect(await b.next()).toBe("and b");
    await Promise.all([a.close(), b.close()]);
  });
});
