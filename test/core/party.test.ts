// The same behavioural checks against both socket modes: hibernating (WebSocket
// Hibernation API) and in-memory (accept() + addEventListener).
import { SELF, env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect, type TestSocket } from "../../src/testing/index.js";
import { runAlarmLater } from "./clock.js";

type Msg = Record<string, any>;
const json = (s: TestSocket) => s.nextJSON<Msg>();
let n = 0;
const fresh = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

describe.each([
  { party: "probe", binding: "PROBE", hibernate: true },
  { party: "probe-mem", binding: "PROBE_MEM", hibernate: false },
])("$party (hibernate: $hibernate)", ({ party, binding }) => {
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
    a.send(JSON.stringify({ cmd: "connections", tag: "b" })); // an id is not a tag
    expect((await json(a)).ids).toEqual([]);
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

  it("a throw in onMessage closes only that connection with 1011 and a generic reason", async () => {
    const room = fresh("r");
    const a = await connect(SELF, url(room, "?_pk=a"));
    const b = await connect(SELF, url(room, "?_pk=b"));
    await Promise.all([a, b].map(json));
    b.send(JSON.stringify({ cmd: "setState", state: { kept: 1 } }));
    await json(b);
    a.send(JSON.stringify({ cmd: "throw" }));
    const closed = await a.closed;
    expect(closed).toEqual({ code: 1011, reason: "Internal server error" });
    // The failed connection leaves the room like any other: onClose runs for it, once.
    expect(await json(b)).toEqual({ type: "left", id: "a", state: null });
    b.send(JSON.stringify({ cmd: "echo", data: "still here" }));
    expect(await json(b)).toEqual({ type: "echo", data: "still here" });
    b.send(JSON.stringify({ cmd: "getState", id: "b" }));
    expect((await json(b)).state).toEqual({ kept: 1 });
    await b.close();
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
