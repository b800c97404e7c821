// The same behavioural checks against both socket modes: hibernating (WebSocket
// Hibernation API) and in-memory (accept() + addEventListener).
import { SELF, env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { runAlarmLater } from "../support/alarm.js";

type Msg = Record<string, any>;
const json = (s: TestSocket) => s.nextJSON<Msg>();
let n = 0;
const fresh = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

/** What rooms log with console.error while `run` runs (rooms run in this isolate). */
async function errorsLoggedDuring(run: () => Promise<void>): Promise<string[]> {
  const logged: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(" "));
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return logged;
}

afterEach(() => vi.restoreAllMocks());

describe.each([
  { party: "probe", binding: "PROBE", hibernate: true },
  { party: "probe-mem", binding: "PROBE_MEM", hibernate: false },
])("$party (hibernate: $hibernate)", ({ party, binding, hibernate }) => {
  const url = (room: string, q = "") => `/parties/${party}/${encodeURIComponent(room)}${q}`;
  const stub = (room: string) => {
    const ns = (env as any)[binding] as DurableObjectNamespace;
    return ns.get(ns.idFromName(room));
  };

  it("onConnect sees the connection id from _pk, the room id, party name, uri and tags", async () => {
    const room = fresh("hello wörld");
    const ws = await connect(SELF, url(room, "?_pk=alice&tags=red,blue"));
    const w = await json(ws);
    expect(w).toMatchObject({ type: "welcome", id: "alice", room, party, tags: ["red", "blue"] });
    expect(w.uri).toContain(`/parties/${party}/`);
    expect(w.routing).toBeNull(); // roomkit's routing headers are not shown to the server
    await ws.close();
  });

  it("gives a random uuid when there is no _pk", async () => {
    const ws = await connect(SELF, url(fresh("r")));
    expect((await json(ws)).id).toMatch(/^[0-9a-f-]{36}$/);
    await ws.close();
  });

  it("onMessage gets (message, sender) and binary frames too", async () => {
    const ws = await connect(SELF, url(fresh("r"), "?_pk=a"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "echo", data: 42 }));
    expect(await json(ws)).toEqual({ type: "echo", data: 42 });
    ws.send(new Uint8Array([1, 2, 3]));
    expect(await json(ws)).toEqual({ type: "binary", kind: "[object ArrayBuffer]", bytes: [1, 2, 3] });
    await ws.close();
  });

  it("broadcast reaches every open connection except those in `without`", async () => {
    const room = fresh("r");
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => connect(SELF, url(room, `?_pk=${id}`))));
    await Promise.all([a, b, c].map(json));
    a.send(JSON.stringify({ cmd: "broadcast", data: "hi", without: ["b"] }));
    expect(await json(a)).toEqual({ type: "broadcast", from: "a", data: "hi" });
    expect(await json(c)).toEqual({ type: "broadcast", from: "a", data: "hi" });
    a.send(JSON.stringify({ cmd: "echo", data: "sync" }));
    await json(a);
    expect(b.pending).toHaveLength(0);
    await Promise.all([a, b, c].map((s) => s.close()));
  });

  it("getConnections returns open sockets only, filtered by tag; getConnection finds by id", async () => {
    const room = fresh("r");
    const a = await connect(SELF, url(room, "?_pk=a&tags=team-x"));
    const b = await connect(SELF, url(room, "?_pk=b&tags=team-y"));
    const c = await connect(SELF, url(room, "?_pk=c&tags=team-x"));
    await Promise.all([a, b, c].map(json));
    a.send(JSON.stringify({ cmd: "connections" }));
    expect((await json(a)).ids).toEqual(["a", "b", "c"]);
    a.send(JSON.stringify({ cmd: "connections", tag: "team-x" }));
    expect((await json(a)).ids).toEqual(["a", "c"]);
    a.send(JSON.stringify({ cmd: "connections", tag: "b" })); // as in PartyKit, an id is a tag
    expect((await json(a)).ids).toEqual(["b"]);
    await c.close();
    expect(await json(a)).toMatchObject({ type: "left", id: "c" });
    a.send(JSON.stringify({ cmd: "connections" }));
    expect((await json(a)).ids).toEqual(["a", "b"]);
    b.send(JSON.stringify({ cmd: "setState", state: { n: 1 } }));
    await json(b);
    a.send(JSON.stringify({ cmd: "getState", id: "b" }));
    expect((await json(a)).state).toEqual({ n: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it("setState takes a value or an updater, and is visible through getConnection", async () => {
    const ws = await connect(SELF, url(fresh("r"), "?_pk=s"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "increment" }));
    expect((await json(ws)).state).toEqual({ count: 1 });
    ws.send(JSON.stringify({ cmd: "increment" }));
    expect((await json(ws)).state).toEqual({ count: 2 });
    ws.send(JSON.stringify({ cmd: "setState", state: null }));
    expect((await json(ws)).state).toBeNull();
    await ws.close();
  });

  it("setState works detached, PartyKit's serializeAttachment/deserializeAttachment act on the same state, and a method can be replaced", async () => {
    const ws = await connect(SELF, url(fresh("r"), "?_pk=m"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "stateMethods" }));
    expect(await json(ws)).toEqual({
      type: "stateMethods",
      detached: { via: "detached" },
      attachment: { via: "serializeAttachment" },
      stable: true,
      replaced: "replaced",
      state: { via: "serializeAttachment" },
    });
    ws.send(JSON.stringify({ cmd: "getState", id: "m" }));
    expect((await json(ws)).state).toEqual({ via: "serializeAttachment" });
    const other = await connect(SELF, url(fresh("r"), "?_pk=n"));
    await json(other);
    other.send(JSON.stringify({ cmd: "replaceSetState" }));
    expect(await json(other)).toEqual({ type: "replaced", result: "mine" });
    await Promise.all([ws.close(), other.close()]);
  });

  // Hibernating rooms keep state with the socket; in-memory rooms hold any state (test below).
  if (hibernate)
    it("a state over the platform limit throws a clear error and keeps the previous state", async () => {
      const ws = await connect(SELF, url(fresh("r"), "?_pk=big"));
      await json(ws);
      ws.send(JSON.stringify({ cmd: "setState", state: { keep: true } }));
      await json(ws);
      ws.send(JSON.stringify({ cmd: "setState", state: { blob: "x".repeat(20_000) } }));
      const err = await json(ws);
      expect(err.name).toBe("RoomkitError");
      expect(err.message).toMatch(/too large.*16384 bytes/s);
      expect(err.state).toEqual({ keep: true });
      await ws.close();
    });

  it("onClose runs with the connection's id and state", async () => {
    const room = fresh("r");
    const a = await connect(SELF, url(room, "?_pk=a"));
    const b = await connect(SELF, url(room, "?_pk=b"));
    await Promise.all([a, b].map(json));
    b.send(JSON.stringify({ cmd: "setState", state: { name: "bee" } }));
    await json(b);
    await b.close();
    expect(await json(a)).toEqual({ type: "left", id: "b", state: { name: "bee" } });
    const res = await SELF.fetch(`http://x${url(room)}`);
    expect((await res.json<Msg>()).closed).toEqual(["b"]);
    await a.close();
  });

  it("onRequest answers HTTP to the room URL and sub-paths", async () => {
    const room = fresh("r");
    const res = await SELF.fetch(`http://x${url(room, "/some/path?q=1")}`, { method: "PUT" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ room, party, method: "PUT", routing: null });
    expect((await res.json().catch(() => null)) ?? true).toBeTruthy();
  });

  // Until issue 13 a throw in onMessage closed the connection with 1011; PartyKit logs it and keeps it open.
  it("a throw in onMessage is logged with room, party and connection id; the connection stays open", async () => {
    const room = fresh("r");
    const a = await connect(SELF, url(room, "?_pk=a"));
    const b = await connect(SELF, url(room, "?_pk=b"));
    await Promise.all([a, b].map(json));
    b.send(JSON.stringify({ cmd: "setState", state: { kept: 1 } }));
    await json(b);
    const logged = await errorsLoggedDuring(async () => {
      a.send(JSON.stringify({ cmd: "throw" }));
      a.send("{not json"); // an app's JSON.parse without try/catch
      a.send(JSON.stringify({ cmd: "echo", data: "still here" }));
      expect(await json(a)).toEqual({ type: "echo", data: "still here" });
    });
    const where = `${party}/${room} onMessage of connection "a"`;
    expect(logged.filter((l) => l.includes(where))).toHaveLength(2);
    expect(logged.some((l) => l.includes(where) && l.includes("Error: secret detail from onMessage"))).toBe(true);
    expect(logged.some((l) => l.includes(where) && l.includes("SyntaxError"))).toBe(true);
    // Nothing left the room: no onClose ran, other connections, state and storage are as they were.
    a.send(JSON.stringify({ cmd: "connections" }));
    expect((await json(a)).ids).toEqual(["a", "b"]);
    b.send(JSON.stringify({ cmd: "getState", id: "b" }));
    expect((await json(b)).state).toEqual({ kept: 1 });
    const info = await (await SELF.fetch(`http://x${url(room)}`)).json<Msg>();
    expect(info).toMatchObject({ closed: [], starts: 1 });
    expect(b.pending).toHaveLength(0);
    await Promise.all([a.close(), b.close()]);
  });

  it("a throw in onClose is logged and touches nobody else", async () => {
    const room = fresh("r");
    const a = await connect(SELF, url(room, "?_pk=a"));
    const b = await connect(SELF, url(room, "?_pk=b"));
    await Promise.all([a, b].map(json));
    b.send(JSON.stringify({ cmd: "setState", state: { throwOnClose: true } }));
    await json(b);
    const logged = await errorsLoggedDuring(async () => {
      await b.close();
      a.send(JSON.stringify({ cmd: "connections" }));
      expect((await json(a)).ids).toEqual(["a"]);
    });
    expect(logged.some((l) => l.includes(`${party}/${room} onClose of connection "b"`) && l.includes("secret detail from onClose"))).toBe(true);
    a.send(JSON.stringify({ cmd: "echo", data: "fine" }));
    expect(await json(a)).toEqual({ type: "echo", data: "fine" });
    await a.close();
  });

  it("edge hooks annotate the request in place; the room sees the header in ctx.request and onRequest", async () => {
    const room = fresh("r");
    const ws = await connect(SELF, url(room, "?_pk=u&as=user-42&tags=red"));
    // getConnectionTags saw it (it tags user:<X-User-ID>), and so did onConnect.
    expect(await json(ws)).toMatchObject({ type: "welcome", id: "u", userId: "user-42", tags: ["red", "user:user-42"], routing: null });
    ws.send(JSON.stringify({ cmd: "connections", tag: "user:user-42" }));
    expect((await json(ws)).ids).toEqual(["u"]);
    const res = await SELF.fetch(`http://x${url(room, "/info?as=http-9")}`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ room, method: "POST", userId: "http-9", routing: null });
    await ws.close();
  });

  it("getConnections(id) yields that connection, as in PartyKit; getConnection(id) still finds it", async () => {
    const room = fresh("r");
    // A user tag equal to the id is the same tag, not a second one.
    const a = await connect(SELF, url(room, "?_pk=alice&tags=alice,team"));
    const b = await connect(SELF, url(room, "?_pk=bob"));
    expect((await json(a)).tags).toEqual(["alice", "team"]);
    await json(b);
    for (const [tag, ids] of [
      ["alice", ["alice"]],
      ["bob", ["bob"]],
      ["team", ["alice"]],
      ["nobody", []],
    ] as const) {
      b.send(JSON.stringify({ cmd: "connections", tag }));
      expect((await json(b)).ids).toEqual(ids);
    }
    b.send(JSON.stringify({ cmd: "connection", id: "alice" }));
    expect((await json(b)).id).toBe("alice");
    b.send(JSON.stringify({ cmd: "connection", id: "team" })); // a tag is not an id
    expect((await json(b)).id).toBeNull();
    await Promise.all([a.close(), b.close()]);
  });

  it("a setState made inside getConnectionTags is kept", async () => {
    const ws = await connect(SELF, url(fresh("r"), "?_pk=t&tags=x&tagState=early"));
    expect(await json(ws)).toMatchObject({ type: "welcome", tags: ["x"], state: { fromTags: "early" } });
    ws.send(JSON.stringify({ cmd: "getState", id: "t" }));
    expect((await json(ws)).state).toEqual({ fromTags: "early" });
    await ws.close();
  });

  it("a throw in onConnect closes that socket with 1011 and tells nothing of the error", async () => {
    const room = fresh("r");
    const other = await connect(SELF, url(room, "?_pk=ok"));
    await json(other);
    const bad = await connect(SELF, url(room, "?_pk=bad&fail=connect"));
    const closed = await bad.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toBe("Internal server error");
    expect(bad.pending).toHaveLength(0);
    other.send(JSON.stringify({ cmd: "connections" }));
    expect((await json(other)).ids).toEqual(["ok"]);
    await other.close();
  });

  it("a throw in onRequest is a 500 with a generic body", async () => {
    const res = await SELF.fetch(`http://x${url(fresh("r"), "/throw")}`);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toBe("Internal server error");
    expect(body).not.toMatch(/secret|at |Error/);
  });

  it("named timers fire onTimer with their payload; cancel stops them", async () => {
    const room = fresh("r");
    const ws = await connect(SELF, url(room, "?_pk=t"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "schedule", name: "later", ms: 60_000 }));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "schedule", name: "soon", ms: 20, payload: { x: 1 } }));
    await json(ws);
    expect(await json(ws)).toEqual({ type: "timer", name: "soon", payload: { x: 1 }, room, party });
    ws.send(JSON.stringify({ cmd: "cancel", name: "later" }));
    expect(await json(ws)).toEqual({ type: "cancelled", existed: true });
    ws.send(JSON.stringify({ cmd: "cancel", name: "later" }));
    expect(await json(ws)).toEqual({ type: "cancelled", existed: false });
    // Nothing is left to run: the platform alarm was cleared with the last timer.
    expect(await runDurableObjectAlarm(stub(room))).toBe(false);
    await ws.close();
  });

  it("a repeating timer fires again; the user's own alarm coexists with timers", async () => {
    const room = fresh("r");
    const ws = await connect(SELF, url(room, "?_pk=t"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "setAlarm", ms: 60 }));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "every", name: "tick", ms: 25 }));
    await json(ws);
    const seen: Msg[] = [];
    while (seen.filter((m) => m.name === "tick").length < 2 || !seen.some((m) => m.type === "alarm")) seen.push(await json(ws));
    expect(seen.find((m) => m.type === "alarm")).toEqual({ type: "alarm", room, party });
    ws.send(JSON.stringify({ cmd: "getAlarm" }));
    let m = await json(ws);
    while (m.type === "timer") m = await json(ws);
    expect(m).toEqual({ type: "alarm", at: null }); // the user alarm fired and was not re-armed
    ws.send(JSON.stringify({ cmd: "cancel", name: "tick" }));
    while ((m = await json(ws)).type !== "cancelled");
    expect(m.existed).toBe(true);
    await ws.close();
  });

  it("a failing timer is retried, not lost", async () => {
    const room = fresh("r");
    const ws = await connect(SELF, url(room, "?_pk=t"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "schedule", name: "fail-once", ms: 0 }));
    await json(ws);
    // The first run throws; the retry is leased a few seconds out, so run it now.
    await new Promise((r) => setTimeout(r, 50));
    expect(await runDurableObjectAlarm(stub(room))).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    const res = await SELF.fetch(`http://x${url(room)}`);
    expect((await res.json<Msg>()).timers).toEqual([]); // leased: retry time is in the future
    await runAlarmLater(stub(room), 120_000);
    const after = await (await SELF.fetch(`http://x${url(room)}`)).json<Msg>();
    expect(after.timers).toEqual(["fail-once"]);
    await ws.close();
  });

  it("timers and user alarms are invisible to storage.list()", async () => {
    const room = fresh("r");
    const ws = await connect(SELF, url(room, "?_pk=t"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "schedule", name: "x", ms: 60_000 }));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "setAlarm", ms: 60_000 }));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "storageList" }));
    expect((await json(ws)).keys).toEqual(["starts"]);
    await ws.close();
  });

  if (!hibernate)
    it("in-memory connection state holds any value of any size, as in PartyKit", async () => {
      const room = fresh("r");
      const a = await connect(SELF, url(room, "?_pk=a"));
      const big = await connect(SELF, url(room, "?_pk=big"));
      await Promise.all([a, big].map(json));
      for (const bytes of [20_000, 1_000_000]) {
        big.send(JSON.stringify({ cmd: "setBigState", bytes }));
        // Over 16 KiB and not structured-cloneable (a function): kept as is, in memory.
        expect(await json(big)).toEqual({ type: "bigState", length: bytes, fn: "kept in memory", same: true });
      }
      await big.close();
      const left = await json(a);
      expect(left).toMatchObject({ type: "left", id: "big" });
      expect(left.state.blob).toHaveLength(1_000_000); // onClose saw it too
      await a.close();
    });

  it("sockets from room.context.parties.x.get(id).socket() deliver binary frames as ArrayBuffer", async () => {
    const room = fresh("r");
    const ws = await connect(SELF, url(room, "?_pk=x"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "socketOtherBinary", party, room: "binary-target-of-" + room }));
    expect(await json(ws)).toEqual({ type: "socketedBinary", kind: "[object ArrayBuffer]", bytes: [9, 8, 7] });
    await ws.close();
  });

  it("cross-party fetch and socket reach another room in-process", async () => {
    const room = fresh("r");
    const ws = await connect(SELF, url(room, "?_pk=x"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "fetchOther", party: "http-only", room: "elsewhere" }));
    expect(await json(ws)).toEqual({ type: "fetched", status: 200, body: "http only" });
    ws.send(JSON.stringify({ cmd: "socketOther", party: "probe", room: "target-of-" + room }));
    const m = await json(ws);
    expect(m.first).toMatchObject({ type: "welcome", id: room, room: "target-of-" + room, party: "probe" });
    await ws.close();
  });
});

describe("options.closeOnError and options read from the instance", () => {
  // StrictProbe sets { hibernate: false, closeOnError: true, limits: { maxMessageBytes: 512 } } as an instance field only.
  const url = (room: string, q = "") => `/parties/strict/${encodeURIComponent(room)}${q}`;

  it("closeOnError: a throw in onMessage closes only that connection with 1011 and a generic reason; its onClose runs once", async () => {
    const room = fresh("strict");
    const a = await connect(SELF, url(room, "?_pk=a"));
    const b = await connect(SELF, url(room, "?_pk=b"));
    await Promise.all([a, b].map(json));
    const logged = await errorsLoggedDuring(async () => {
      a.send(JSON.stringify({ cmd: "throw" }));
      expect(await a.closed).toEqual({ code: 1011, reason: "Internal server error" });
      expect(await json(b)).toEqual({ type: "left", id: "a", state: null });
    });
    expect(logged.some((l) => l.includes(`strict/${room} onMessage of connection "a"`))).toBe(true);
    b.send(JSON.stringify({ cmd: "echo", data: "still here" }));
    expect(await json(b)).toEqual({ type: "echo", data: "still here" });
    await b.close();
    expect((await (await SELF.fetch(`http://x${url(room)}`)).json<Msg>()).closed).toEqual(["a", "b"]);
  });

  it("limits set on the instance apply (1009 over its maxMessageBytes)", async () => {
    const ws = await connect(SELF, url(fresh("strict"), "?_pk=m"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "echo", data: "x".repeat(600) }));
    expect(await ws.closed).toEqual({ code: 1009, reason: expect.stringMatching(/^Message too big: \d+ bytes; the limit is 512\.$/) });
  });

  it("hibernate: false set on the instance keeps state in memory", async () => {
    const ws = await connect(SELF, url(fresh("strict"), "?_pk=s"));
    await json(ws);
    ws.send(JSON.stringify({ cmd: "setBigState", bytes: 50_000 }));
    expect(await json(ws)).toMatchObject({ type: "bigState", length: 50_000 });
    await ws.close();
  });
});
