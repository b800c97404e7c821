// Bad input and floods: each gets a precise answer, only the sender is
// affected, and the tick does the same bounded work whatever one client does.
import { expect, it } from "vitest";
import { Client } from "./helpers/client.js";
import { advance, newRoom, received, stats } from "./helpers/room.js";

it("rejects invalid inputs with a precise reason, to the sender only, and keeps the connection", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  const cases: [string, string][] = [
    ["not json", "Malformed JSON."],
    ["42", 'Expected an input frame [seq, input] or an object with a "type".'],
    ["[1]", "An input frame is [seq, input]."],
    ['[1, {"action":"move","dx":1,"dy":0}, "extra"]', "An input frame is [seq, input]."],
    ['["1", {"action":"move","dx":1,"dy":0}]', "seq must be a positive integer."],
    ['[1.5, {"action":"move","dx":1,"dy":0}]', "seq must be a positive integer."],
    ['[0, {"action":"move","dx":1,"dy":0}]', "seq must be a positive integer."],
    ['[1e999, {"action":"move","dx":1,"dy":0}]', "seq must be a positive integer."],
    ['[1, {"action":"move","dx":1e999,"dy":0}]', "dx must be a finite number, got Infinity"],
    ['[2, {"action":"move","dx":-1e999,"dy":0}]', "dx must be a finite number, got -Infinity"],
    ['[3, {"action":"move","dx":"1","dy":0}]', "dx must be a finite number, got string"],
    ['[4, {"action":"move","dx":null,"dy":0}]', "dx must be a finite number, got null"],
    ['[5, {"action":"move","dx":2,"dy":0}]', "dx must be at most 1, got 2"],
    ['[6, {"action":"teleport","x":5}]', 'action must be one of "move", "score", "crash", got "teleport"'],
    ['[7, {"action":"move","dx":1,"dy":0,"speed":9}]', 'input has an unknown field "speed"'],
    ["[8, null]", "input must be an object, got null"],
    ["[9, [1,2]]", "input must be an object, got an array"],
  ];
  for (const [frame, reason] of cases) {
    const from = a.messages.length;
    a.send(frame);
    const reply = await a.next("invalid", from);
    expect(reply.reason, frame).toBe(reason);
  }
  // Rejected inputs name their seq, so a client can drop them from its prediction.
  expect(a.messages.filter((m: any) => m.type === "invalid" && m.seq !== undefined).map((m: any) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const bin = a.messages.length;
  a.socket.send(new Uint8Array([1, 2, 3]));
  expect((await a.next("invalid", bin)).reason).toBe("Send JSON text frames; binary frames are not accepted.");

  // Nothing was applied, nobody else heard anything, and a's socket still works.
  const s = await advance("arena", room, 200);
  expect(s.state.players[a.id]).toMatchObject({ x: 0, y: 0, score: 0 });
  expect(s.players.find((p) => p.id === a.id)).toMatchObject({ queued: 0, acked: 0, received: 9 });
  expect(b.messages.filter((m: any) => !Array.isArray(m) && m.type !== "welcome")).toEqual([]);
  a.input({ action: "move", dx: 1, dy: 0 }, 10);
  await received("arena", room, a.id, 10);
  expect((await advance("arena", room, 100)).state.players[a.id].x).toBe(10);
  await a.leaveSocket();
  await b.leaveSocket();
});

it("a flood is dropped (with one notice a second): the queue stays bounded and each tick takes one input from the flooder", async () => {
  const room = newRoom();
  const flooder = await Client.join("arena", room, "f");
  const other = await Client.join("arena", room, "o");
  for (let seq = 1; seq <= 200; seq++) flooder.input({ action: "move", dx: 1, dy: 0 }, seq);
  other.input({ action: "move", dx: 0, dy: 1 });
  expect((await flooder.next("throttled")).reason).toBe("Too many messages: at most 20 per second. Extra messages are dropped.");
  await received("arena", room, other.id, 1);
  // Messages are handled in order: once a ping sent after the flood is answered, the whole flood was.
  for (let t = 1; !flooder.messages.some((m: any) => m.type === "pong"); t++) {
    flooder.send({ type: "ping", t });
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = await stats("arena", room);
  const f = before.players.find((p) => p.id === flooder.id)!;
  expect(f.queued).toBe(4); // maxQueuedInputs: the oldest accepted inputs were dropped
  expect(f.dropped).toBeGreaterThanOrEqual(16); // at least the burst of 20 got in, minus the 4 kept
  expect(f.dropped + f.queued).toBeLessThan(200); // and the rate limit kept the rest out

  const s = await advance("arena", room, 100); // exactly one tick, whatever the flood
  expect(s.tick).toBe(1);
  expect(s.state.players[other.id]).toMatchObject({ x: 0, y: 10 }); // the other player's input was applied
  expect(s.state.players[flooder.id]).toMatchObject({ x: 10, y: 0 }); // the flooder got one input's worth
  // One of the 4 queued inputs was applied; the 3 others wait for the next ticks.
  const after = s.players.find((p) => p.id === flooder.id)!;
  expect(after).toMatchObject({ queued: 3, dropped: f.dropped });
  expect(after.acked).toBeGreaterThan(0);
  expect(after.acked).toBeLessThan(f.received);
  const notices = flooder.messages.filter((m: any) => m.type === "throttled").length;
  expect(notices).toBeGreaterThanOrEqual(1);
  expect(notices).toBeLessThan(5); // at most one a second, however many messages were dropped
  expect(other.messages.some((m: any) => m.type === "throttled")).toBe(false);
  expect(flooder.close).toBeUndefined(); // "drop" keeps the connection
  await flooder.leaveSocket();
  await other.leaveSocket();
});

it('with onExceed "close" a flood is disconnected with 1008 and a reason; the others play on', async () => {
  const room = newRoom();
  const flooder = await Client.join("strict", room, "f");
  const other = await Client.join("strict", room, "o");
  for (let seq = 1; seq <= 50; seq++) flooder.input({ action: "score" }, seq);
  expect(await flooder.socket.closed).toEqual({ code: 1008, reason: "Rate limit exceeded: more than 10 messages per second." });
  expect(await other.next("disconnected")).toMatchObject({ id: flooder.id });
  other.input({ action: "score" });
  await received("strict", room, other.id, 1);
  expect((await advance("strict", room, 100)).state.players[other.id].score).toBe(1);
  await other.leaveSocket();
});

it("frames over the party's 4 KiB limit close the connection with 1009", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const frame = `[1, {"action":"move","dx":0,"dy":0,"pad":"${"x".repeat(5000)}"}]`;
  a.send(frame);
  expect(await a.socket.closed).toEqual({ code: 1009, reason: `Message too big: ${frame.length} bytes; the limit is 4096.` });
});

it("a step that throws costs that tick's inputs, not the room: the log says why, the others keep playing", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  const b = await Client.join("arena", room, "b");
  a.input({ action: "crash" });
  await received("arena", room, a.id, 1);
  let s = await advance("arena", room, 100);
  expect(s).toMatchObject({ tick: 1, stepErrors: 1, running: true });
  b.input({ action: "score" });
  await received("arena", room, b.id, 1);
  s = await advance("arena", room, 100);
  expect(s.state.players[b.id].score).toBe(1);
  expect(s.stepErrors).toBe(1);
  await a.leaveSocket();
  await b.leaveSocket();
});

it("the room's own messages: ping is answered with pong, custom messages reach onCustomMessage", async () => {
  const room = newRoom();
  const a = await Client.join("arena", room, "a");
  a.send({ type: "ping", t: 1234.5 });
  expect(await a.next("pong")).toEqual({ type: "pong", t: 1234.5, tick: 0 });
  a.send({ type: "ping", t: "soon" });
  expect(await a.waitFor((m) => m.type === "pong" && m.t === 0)).toBeTruthy();
  a.send({ type: "shout" });
  expect(await a.next("custom-unknown")).toEqual({ type: "custom-unknown", got: "shout" });
  await a.leaveSocket();

  // Without onCustomMessage, other types are refused by name.
  const b = await Client.join("nograce", room, "b");
  b.send({ type: "dance" });
  expect((await b.next("invalid")).reason).toBe('Unknown message type "dance".');
  await b.leaveSocket();
});
