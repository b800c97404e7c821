// Per-party limits: each enforced on the offending connection only, with a close code and a readable reason.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { connect } from "../../src/testing/index.js";

const room = () => `/parties/limited/l-${Math.random()}`;

it("a message over maxMessageBytes closes that connection with 1009; others carry on", async () => {
  const path = room();
  const a = await connect(SELF, `${path}?_pk=a`);
  const b = await connect(SELF, `${path}?_pk=b`);
  a.send("x".repeat(1024));
  expect(await a.next()).toBe("ok 1024");
  a.send("é".repeat(513)); // 1026 bytes in UTF-8
  expect(await a.closed).toEqual({ code: 1009, reason: "Message too big: 1026 bytes; the limit is 1024." });
  expect(await b.next()).toBe("closed a");
  b.send(new Uint8Array(10));
  expect(await b.next()).toBe("ok 10");
  b.send(new Uint8Array(2000));
  expect((await b.closed).code).toBe(1009);
});

it("a flood over messagesPerSecond closes that connection with 1008", async () => {
  const path = room();
  const flooder = await connect(SELF, `${path}?_pk=f`);
  const calm = await connect(SELF, `${path}?_pk=c`);
  for (let i = 0; i < 50; i++) flooder.send(`m${i}`);
  const closed = await flooder.closed;
  expect(closed).toEqual({ code: 1008, reason: "Rate limit exceeded: more than 5 messages per second." });
  const answered = flooder.pending.length;
  expect(answered).toBeGreaterThanOrEqual(1);
  expect(answered).toBeLessThanOrEqual(6); // the burst, give or take a refill
  expect(await calm.next()).toBe("closed f");
  calm.send("still fine");
  expect(await calm.next()).toBe("ok 10");
  await calm.close();
});

it("one connection over maxConnections is refused with 1013", async () => {
  const path = room();
  const open = await Promise.all([1, 2, 3].map((i) => connect(SELF, `${path}?_pk=p${i}`)));
  const fourth = await connect(SELF, `${path}?_pk=p4`);
  expect(await fourth.closed).toEqual({ code: 1013, reason: "Room is full (3 connections)." });
  await open[0].close();
  await new Promise((r) => setTimeout(r, 20));
  const again = await connect(SELF, `${path}?_pk=p5`);
  again.send("hi");
  expect(await again.next()).toMatch(/closed p1|ok 2/);
  await Promise.all([...open.slice(1), again].map((s) => s.close()));
});

it("maxConnections counts open connections, not joins: churn never fills the room", async () => {
  const path = room();
  const stay = await connect(SELF, `${path}?_pk=stay`);
  // Ten joins and leaves through a room of three: each one fits.
  for (let i = 0; i < 10; i++) {
    const s = await connect(SELF, `${path}?_pk=churn${i}`);
    s.send("hi");
    expect(await s.next()).toBe("ok 2");
    await s.close();
    await new Promise((r) => setTimeout(r, 10));
  }
  const full = await Promise.all([1, 2].map((i) => connect(SELF, `${path}?_pk=q${i}`)));
  const over = await connect(SELF, `${path}?_pk=over`);
  expect(await over.closed).toEqual({ code: 1013, reason: "Room is full (3 connections)." });
  await Promise.all([stay, ...full].map((s) => s.close()));
});

it("a full room admits again as soon as roomkit closes one of its connections (a flooder), not a second later", async () => {
  const path = room();
  const open = await Promise.all([1, 2, 3].map((i) => connect(SELF, `${path}?_pk=r${i}`)));
  const refused = await connect(SELF, `${path}?_pk=early`);
  expect(await refused.closed).toEqual({ code: 1013, reason: "Room is full (3 connections)." });
  // The refusal above found the room full; the flooder's place must count at once.
  for (let i = 0; i < 50; i++) open[0].send(`m${i}`);
  expect((await open[0].closed).code).toBe(1008);
  const admitted = await connect(SELF, `${path}?_pk=late`);
  admitted.send("hi");
  expect(await admitted.next()).toMatch(/closed r1|ok 2/);
  await Promise.all([...open.slice(1), admitted].map((s) => s.close()));
});
