// Clients through the Worker: ids, query, headers and the edge auth hook;
// reading messages by order, by predicate, and asserting silence; close codes.
import { ConnectionRefused, rooms } from "roomkit/testing";
import { afterEach, expect, it } from "vitest";

afterEach(() => rooms.reset());

it("runs onBeforeConnect: refused clients get the status and body, admitted ones connect", async () => {
  const room = rooms.get("guarded");
  const refused = room.connect({ id: "mallory" });
  await expect(refused).rejects.toBeInstanceOf(ConnectionRefused);
  await expect(refused).rejects.toMatchObject({ status: 401, body: "Missing or wrong token" });
  await expect(room.connect({ query: { token: "nope" } })).rejects.toMatchObject({ status: 401 });

  const byQuery = await room.connect({ id: "ada", query: { token: "letmein" } });
  const byHeader = await room.connect({ id: "bo", headers: { authorization: "Bearer letmein" } });
  expect(await byQuery.nextJSON<{ hello: string }>()).toEqual({ hello: "ada" });
  expect(await byHeader.nextJSON<{ hello: string }>()).toEqual({ hello: "bo" });
});

it("connects N clients, finds a message by predicate, and asserts that others got nothing", async () => {
  const room = rooms.get("guarded");
  const [a, b, c] = await room.connectMany(3, (i) => ({ id: `p${i}`, query: { token: "letmein" } }));
  a!.send(JSON.stringify({ type: "chat", text: "hi" }));
  const chat = await b!.waitForJSON<{ type: string; text?: string }>((m) => m.type === "chat");
  expect(chat).toEqual({ type: "chat", text: "hi" });
  // The greeting was skipped by the predicate, not lost.
  expect(await b!.nextJSON()).toEqual({ hello: "p1" });
  await c!.waitForJSON<{ type?: string }>((m) => m.type === "chat");
  await a!.nextJSON(); // a's own greeting
  await a!.expectSilence(50); // the sender is excluded from its own broadcast
  await expect(b!.expectSilence(10)).resolves.toBeUndefined();
});

it("expectSilence fails with the message that broke it, which stays readable", async () => {
  const room = rooms.get("guarded");
  const ws = await room.connect({ id: "ada", query: { token: "letmein" } });
  await expect(ws.expectSilence(2_000)).rejects.toThrow('expected no message within 2000 ms, got "{\\"hello\\":\\"ada\\"}"');
  expect(await ws.nextJSON()).toEqual({ hello: "ada" });
});

it("reports the close code and reason the room chose", async () => {
  const room = rooms.get("guarded");
  const ws = await room.connect({ query: { token: "letmein" } });
  await ws.nextJSON();
  ws.send("bye");
  expect(await ws.closed).toEqual({ code: 4000, reason: "asked to leave" });
  await expect(ws.next()).rejects.toThrow("socket closed (4000 asked to leave)");
});

it("times out a wait with what was unread", async () => {
  const room = rooms.get("guarded");
  const ws = await room.connect({ query: { token: "letmein" } });
  await expect(ws.waitFor((m) => m === "never", 50)).rejects.toThrow(/no matching message within 50 ms \(unread: "\{\\"hello\\"/);
});
