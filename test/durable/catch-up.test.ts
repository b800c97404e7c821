// Durable broadcasts inside workerd: a client that comes back with the offset
// of the last durable message it saw gets exactly what it missed, in order,
// before anything newer — in hibernating and in-memory rooms, after eviction,
// with tags and `without`, with a welcome sent by onConnect; a client beyond
// the retention gets a reset with the room's state.
import { rooms, type TestRoom, type TestSocket } from "roomkit/testing";
import { afterEach, describe, expect, it } from "vitest";
import { Reader } from "./reader";

afterEach(() => rooms.reset());

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** A plain client (no _rk_offset) that sends commands and sees broadcasts unframed. */
async function sender(room: TestRoom): Promise<TestSocket> {
  const s = await room.connect({ id: `sender-${crypto.randomUUID()}` });
  expect(await s.next()).toMatch(/^welcome:/);
  return s;
}

/** Sends a burst and waits until the sender itself has seen all of it (so every broadcast happened). */
async function burst(s: TestSocket, n: number, prefix: string): Promise<void> {
  s.send(`burst:${n}:${prefix}`);
  for (let i = 0; i < n; i++) expect(await s.next()).toBe(`${prefix}${i}`);
}

describe.each(["feed", "memory"])("%s room", (party) => {
  it("a client that was away gets exactly the N broadcasts it missed, in order, then live ones", async () => {
    const room = rooms.get(party);
    const s = await sender(room);
    const alice = await new Reader(room, "alice").connect();
    expect(alice.frames).toEqual(["plain:welcome:alice", "ready"]);
    await burst(s, 3, "a");
    await alice.waitForCount(3);
    await alice.disconnect();

    await burst(s, 7, "b"); // missed
    await alice.connect();
    expect(alice.frames).toEqual(["plain:welcome:alice", ...range("m:b", 7), "ready"]);
    await burst(s, 2, "c");
    await alice.waitForCount(12);
    expect(alice.durable).toEqual([...range("a", 3), ...range("b", 7), ...range("c", 2)]);
  });
});

// In-memory rooms lose their sockets when evicted; that case runs against a real
// `wrangler dev` restart in test/durable-e2e (roomkit/testing's restart() of an
// in-memory room does not accept new sockets under vitest-pool-workers 0.23).
it("catches up across an eviction of a hibernating room", async () => {
  const room = rooms.get("feed");
  const s = await sender(room);
  const alice = await new Reader(room, "alice").connect();
  await burst(s, 2, "a");
  await alice.waitForCount(2);
  await alice.disconnect();
  await burst(s, 5, "b");
  await room.evict();
  await burst(s, 4, "c"); // the sender's socket wakes the room
  await room.evict();
  await alice.connect();
  expect(alice.durable).toEqual([...range("a", 2), ...range("b", 5), ...range("c", 4)]);
  expect(room.starts).toBe(3);
});

it("onConnect's welcome comes first; durable broadcasts made while it runs are replayed after it, before 'ready', never twice", async () => {
  const room = rooms.get("feed");
  const s = await sender(room);
  const watcher = await new Reader(room, "watcher").connect();
  await burst(s, 2, "a");
  await watcher.waitForCount(2);
  const late = new Reader(room, "late", { announce: "1" }, watcher.offset);
  await late.connect();
  expect(late.frames).toEqual(["plain:welcome:late", "m:joined:late", "ready"]);
  await watcher.waitForCount(3);
  expect(watcher.durable).toEqual(["a0", "a1", "joined:late"]);
  expect(await s.next()).toBe("joined:late"); // plain clients get it too, unframed
});

it("a message meant for a tag, or sent `without` a connection, is not replayed to the others", async () => {
  const room = rooms.get("feed");
  const s = await sender(room);
  const red = await new Reader(room, "r", { team: "red" }).connect();
  const blue = await new Reader(room, "b", { team: "blue" }).connect();
  const talker = await new Reader(room, "t").connect();
  await Promise.all([red.disconnect(), blue.disconnect()]);
  s.send("red:for-red");
  talker.socket!.send("others:from-talker"); // everyone but the talker
  expect(await s.next()).toBe("from-talker");
  await talker.disconnect();
  await burst(s, 1, "all");
  await Promise.all([red.connect(), blue.connect(), talker.connect()]);
  expect(red.durable).toEqual(["for-red", "from-talker", "all0"]);
  expect(blue.durable).toEqual(["from-talker", "all0"]);
  expect(talker.durable).toEqual(["all0"]);
  // Live, too: the red message reaches red only.
  s.send("red:live-red");
  s.send("say:end");
  await Promise.all([red.waitForCount(5), blue.waitForCount(3)]);
  expect(red.durable.slice(3)).toEqual(["live-red", "end"]);
  expect(blue.durable.slice(2)).toEqual(["end"]);
});

it("durable: false is live only; binary messages are replayed as binary; clients that did not ask to resume see no frames", async () => {
  const room = rooms.get("feed");
  const s = await sender(room);
  const alice = await new Reader(room, "alice").connect();
  await alice.disconnect();
  s.send("live:not-kept");
  expect(await s.next()).toBe("not-kept");
  s.send("bin:4");
  expect(new Uint8Array((await s.next()) as ArrayBuffer)).toEqual(Uint8Array.from([0, 1, 2, 3]));
  await alice.connect();
  expect(alice.frames).toEqual(["plain:welcome:alice", "m:<0,1,2,3>", "ready"]);
  s.send("live:now");
  await alice.socket!.waitFor((m) => m === "now");
});

it("a client older than the retention gets a reset with the room's state, then everything after it", async () => {
  const room = rooms.get("feed"); // maxMessages 50
  const s = await sender(room);
  const alice = await new Reader(room, "alice").connect();
  await alice.disconnect();
  await burst(s, 100, "x");
  s.send("say:latest");
  expect(await s.next()).toBe("latest");
  await alice.connect();
  expect(alice.frames).toEqual(["plain:welcome:alice", 'reset:{"last":"latest"}', "ready"]);
  expect(alice.durable).toEqual([]);
  // The offset the reset gave resumes exactly from there.
  await alice.disconnect();
  await burst(s, 3, "y");
  await alice.connect();
  expect(alice.durable).toEqual(range("y", 3));
  // A client within the retention (at least maxMessages back) still catches up.
  const bob = await new Reader(room, "bob").connect();
  await bob.disconnect();
  await burst(s, 50, "z");
  await bob.connect();
  expect(bob.durable).toEqual(range("z", 50));
});

it("offsets from a wiped history (storage.deleteAll) or from the future get a reset; malformed ones a 400", async () => {
  const room = rooms.get("feed");
  const s = await sender(room);
  const alice = await new Reader(room, "alice").connect();
  await burst(s, 2, "a");
  await alice.waitForCount(2);
  await alice.disconnect();
  await room.run((_, r) => r.storage.deleteAll());
  await alice.connect();
  expect(alice.frames).toEqual(["plain:welcome:alice", 'reset:{"last":null}', "ready"]);
  const epoch = alice.offset.split(".")[0];
  const future = await new Reader(room, "future", {}, `${epoch}.999`).connect();
  expect(future.resets).toBe(1);

  for (const bad of ["", "abc", "x.-1", "1.2.3", "K.1", `${"a".repeat(40)}.1`]) {
    const res = await room.fetch(`?_rk_offset=${encodeURIComponent(bad)}`, { headers: { upgrade: "websocket" } });
    expect(res.status, bad).toBe(400);
    expect(await res.text()).toMatch(/^Invalid _rk_offset: expected "now", "-1" or an offset this room sent/);
  }
});

it("-1 replays everything retained", async () => {
  const room = rooms.get("feed");
  const s = await sender(room);
  await burst(s, 60, "h"); // 50 kept at least; up to 50 + 16 before a trim
  const all = await new Reader(room, "all", {}, "-1").connect();
  expect(all.durable.length).toBeGreaterThanOrEqual(50);
  expect(all.durable).toEqual(range("h", 60).slice(60 - all.durable.length));
});

it("maxAge: a client away longer than the retention time is reset, one away less is caught up", async () => {
  rooms.useFakeTime();
  const room = rooms.get("minute"); // maxAge 60 s
  const s = await sender(room);
  const early = await new Reader(room, "early").connect();
  await early.disconnect();
  await burst(s, 3, "old");
  await rooms.advance("61s");
  const late = await new Reader(room, "late").connect();
  await late.disconnect();
  await burst(s, 2, "new");
  await rooms.advance("30s");
  await Promise.all([early.connect(), late.connect()]);
  expect(early.frames).toEqual(["plain:welcome:early", 'reset:{"last":null}', "ready"]);
  expect(late.durable).toEqual(range("new", 2));
});

it("plain rooms are unchanged: no frames, _rk_offset ignored, { durable: true } is a clear error", async () => {
  const room = rooms.get("plain");
  const s = await sender(room);
  const alice = await room.connect({ id: "alice", query: { _rk_offset: "now" } });
  expect(await alice.next()).toBe("welcome:alice");
  await burst(s, 2, "p");
  expect([await alice.next(), await alice.next()]).toEqual(["p0", "p1"]);
  s.send("durable-in-plain");
  expect(await s.next()).toMatch(/^error:broadcast\(…, \{ durable: true \}\) needs options\.history/);
  expect(await room.run((state) => [...state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name LIKE '_roomkit_history%'")].length)).toBe(0);
});

it("stores one row per durable message and trims to the retention in batches", async () => {
  const room = rooms.get("feed"); // maxMessages 50, trimmed when 66 are held
  const s = await sender(room);
  const count = (table: string) => room.run((state) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n);
  await burst(s, 40, "a");
  expect(await count("_stream_data")).toBe(40);
  expect(await count("_roomkit_history_audience")).toBe(0); // messages for everyone carry no audience row
  await burst(s, 30, "b");
  expect(await count("_stream_data")).toBeLessThanOrEqual(66);
  expect(await count("_stream_data")).toBeGreaterThanOrEqual(50);
});

it("a client that missed 10,000 messages gets all of them, in order", async () => {
  const room = rooms.get("big");
  const s = await sender(room);
  const alice = await new Reader(room, "alice").connect();
  await alice.disconnect();
  s.send("burst:10000:m");
  await s.waitFor((m) => m === "m9999", 30_000);
  const started = performance.now();
  await alice.connect();
  console.log(`[durable] catch-up of 10,000 messages inside workerd: ${(performance.now() - started).toFixed(0)} ms`);
  expect(alice.durable).toEqual(range("m", 10_000));
});

it("history in a key-value-backed class: the room refuses to run (500 / 1011, generic) and logs why", async () => {
  const room = rooms.get("kv");
  const logged: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
  try {
    const res = await room.fetch();
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal server error");
    const socket = await room.connect({ query: { _rk_offset: "now" } });
    expect(await socket.closed).toEqual({ code: 1011, reason: "Internal server error" });
  } finally {
    console.error = original;
  }
  expect(logged.join("\n")).toMatch(/options\.history needs a SQLite-backed Durable Object/);
});

it("a durable message over 1 MiB is refused with a RoomkitError and not stored; 1 MiB itself is kept", async () => {
  const room = rooms.get("feed");
  const s = await sender(room);
  const alice = await new Reader(room, "alice").connect();
  await alice.disconnect();
  s.send(`huge:${(1 << 20) + 1}`);
  expect(await s.next()).toBe("error:A durable broadcast holds at most 1048576 bytes; send larger data as several messages or keep it in storage.");
  s.send(`huge:${1 << 20}`);
  expect(((await s.next()) as string).length).toBe(1 << 20);
  await alice.connect();
  expect(alice.durable.map((m) => m.length)).toEqual([1 << 20]);
});
