// The message path of a started room calls onMessage without an async frame of its
// own (src/host.ts), so a synchronous onMessage that throws takes a different branch
// from an async one that rejects (party.test.ts): the same promise to the user.
import { SELF } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { connect } from "../../src/testing/index.js";

it("a synchronous throw in onMessage is logged with the connection id and the connection stays open", async () => {
  const logged: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(" "));
  });
  try {
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
  } finally {
    spy.mockRestore();
  }
});
