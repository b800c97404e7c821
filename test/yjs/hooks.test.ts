// Hooks: initial content from an external store, debounced durable saves to it
// (retried, logged, never lost), read-only connections, custom messages.
import { SELF, evictDurableObject } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import * as Y from "yjs";
import { connect } from "../../src/testing/index.js";
import { fireLater, stubOf } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

const path = (room: string, q = "") => `/parties/hook-doc/${room}${q}`;
const store = (room: string, p = "") => `http://x/parties/store/${room}${p}`;
const saves = async (room: string) => (await SELF.fetch(store(room, "/saves"))).json<{ saves: number; failures: number }>();
async function stored(room: string): Promise<string | null> {
  const res = await SELF.fetch(store(room));
  if (res.status === 404) return (await res.body?.cancel(), null);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await res.arrayBuffer()));
  return doc.getText("t").toString();
}
async function roomText(room: string): Promise<string> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, new Uint8Array(await (await SELF.fetch(`http://x${path(room)}`)).arrayBuffer()));
  return doc.getText("t").toString();
}
const failNextSaves = async (room: string, n: number) => (await SELF.fetch(store(room, `?fail=${n}`), { method: "POST" })).text();

it("onLoad fills a new room from the external store, once", async () => {
  const room = freshRoom("load");
  const seed = new Y.Doc();
  seed.getText("t").insert(0, "from the archive");
  await SELF.fetch(store(room, "?seed"), { method: "POST", body: Y.encodeStateAsUpdate(seed) });
  const a = await YClient.synced(path(room));
  await waitFor(() => a.text === "from the archive", "loaded");
  a.send("loads");
  await waitFor(() => a.texts.includes("__YPS:loads=1"), "onLoad ran once");
  await evictDurableObject(stubOf("hook-doc", room));
  a.send("loads"); // the new instance starts from its own storage
  await waitFor(() => a.texts.includes("__YPS:loads=0"), "onLoad not called again");
  await a.close();
});

it("a failing onLoad refuses that connection (1011, details only in the log); the next one loads", async () => {
  const room = freshRoom("load-fail");
  const seed = new Y.Doc();
  seed.getText("t").insert(0, "eventually");
  await SELF.fetch(store(room, "?seed&failLoads=1"), { method: "POST", body: Y.encodeStateAsUpdate(seed) });
  const first = await connect(SELF, path(room));
  expect(await first.closed).toEqual({ code: 1011, reason: "Internal server error" });
  const second = await YClient.synced(path(room));
  await waitFor(() => second.text === "eventually", "loaded on the second try");
  await second.close();
});

it("saves are debounced through the room's timers: one save for many edits, none before the delay", async () => {
  const room = freshRoom("save");
  const a = await YClient.synced(path(room));
  for (const ch of "hello") a.doc.getText("t").insert(a.text.length, ch);
  await waitFor(async () => (await roomText(room)) === "hello", "stored");
  expect(await saves(room)).toEqual({ saves: 0, failures: 0 });
  expect(await fireLater("hook-doc", room)).toBe(true);
  expect(await saves(room)).toEqual({ saves: 1, failures: 0 });
  expect(await stored(room)).toBe("hello");
  // Nothing changed since: no timer is left to wake the room.
  expect(await fireLater("hook-doc", room)).toBe(false);
  a.doc.getText("t").insert(5, "!");
  // The edit is written (and its timers armed) a group-commit window later, possibly while an
  // earlier fireLater had moved the room's clock: each try moves it further, until the save ran.
  let ahead = 0;
  await waitFor(async () => (await fireLater("hook-doc", room, (ahead += 3_600_000)), (await stored(room)) === "hello!"), "a new save was scheduled and ran");
  await a.close();
});

it("a pending save survives eviction", async () => {
  const room = freshRoom("save-evict");
  const a = await YClient.synced(path(room));
  a.doc.getText("t").insert(0, "keep me");
  await waitFor(async () => (await SELF.fetch(`http://x${path(room)}`, { method: "HEAD" })).headers.get("etag")!.endsWith('.1"'), "stored");
  await evictDurableObject(stubOf("hook-doc", room));
  expect(await fireLater("hook-doc", room)).toBe(true);
  expect(await stored(room)).toBe("keep me");
  await a.close();
});

it("the last client leaving saves at once", async () => {
  const room = freshRoom("save-leave");
  const a = await YClient.synced(path(room));
  a.doc.getText("t").insert(0, "goodbye");
  await waitFor(async () => (await SELF.fetch(`http://x${path(room)}`, { method: "HEAD" })).headers.get("etag")!.endsWith('.1"'), "stored");
  await a.close();
  await waitFor(async () => (await stored(room)) === "goodbye", "saved on last close");
});

it("a failing save is logged and retried until it succeeds, across an eviction too", async () => {
  const room = freshRoom("save-fail");
  const errors = vi.spyOn(console, "error");
  await failNextSaves(room, 100);
  const a = await YClient.synced(path(room));
  a.doc.getText("t").insert(0, "precious");
  await waitFor(async () => (await SELF.fetch(`http://x${path(room)}`, { method: "HEAD" })).headers.get("etag")!.endsWith('.1"'), "stored");
  // Each firing is the next retry (backoff is at most a minute; each call moves the clock an hour further):
  // more failures than the platform would retry an alarm, and the save is still pending.
  for (let i = 1; i <= 8; i++) expect(await fireLater("hook-doc", room, i * 3_600_000)).toBe(true);
  expect(await saves(room)).toEqual({ saves: 0, failures: 8 });
  const logged = errors.mock.calls.map((c) => c.map(String).join(" "));
  expect(logged.some((l) => l.includes("yjs-save") && l.includes("store refused the save: 503"))).toBe(true);
  errors.mockRestore();

  // The store recovers while the room is evicted: the pending save survives and goes through.
  await failNextSaves(room, 0);
  await a.close();
  await evictDurableObject(stubOf("hook-doc", room)).catch(() => {});
  await waitFor(async () => (await saves(room)).saves === 1 || (await fireLater("hook-doc", room, 9 * 3_600_000)) === false, "saved");
  expect(await stored(room)).toBe("precious");
  expect((await saves(room)).saves).toBe(1);
});

it("a read-only connection gets the document and updates, its writes are dropped, and it is told once", async () => {
  const room = freshRoom("ro");
  const writer = await YClient.synced(path(room));
  writer.doc.getText("t").insert(0, "shared");
  const viewer = await YClient.synced(path(room, "?mode=read"));
  await waitFor(() => viewer.text === "shared", "viewer has the document");
  viewer.doc.getText("t").insert(0, "VANDAL ");
  viewer.doc.getText("t").insert(0, "AGAIN ");
  await waitFor(() => viewer.denied.length > 0, "viewer told");
  writer.doc.getText("t").insert(6, "!");
  await waitFor(() => viewer.text.endsWith("shared!"), "viewer still receives updates");
  expect(viewer.denied).toEqual(["This connection is read-only: its changes are neither saved nor shared."]);
  expect(writer.text).toBe("shared!");
  const fresh = await YClient.synced(path(room));
  await waitFor(() => fresh.text === "shared!", "fresh client");
  // Presence is not writing: a viewer's cursor is shared.
  viewer.awareness.setLocalState({ user: "viewer" });
  await waitFor(() => writer.awareness.getStates().has(viewer.doc.clientID), "viewer's presence relayed");
  expect(viewer.closeInfo).toBeUndefined();
  await Promise.all([writer.close(), viewer.close(), fresh.close()]);
});

it("a read-only client whose sync step 2 carries nothing new is not told anything", async () => {
  const room = freshRoom("ro-quiet");
  const viewer = await YClient.synced(path(room, "?mode=read"));
  await new Promise((r) => setTimeout(r, 50));
  expect(viewer.denied).toEqual([]);
  await viewer.close();
});

it("custom messages travel on the same socket, in both directions", async () => {
  const room = freshRoom("custom");
  const a = await YClient.synced(path(room));
  const b = await YClient.synced(path(room));
  a.send("ping");
  a.send("__YPS:ping"); // y-partyserver's provider prefixes its custom messages
  await waitFor(() => a.texts.filter((t) => t === "__YPS:pong").length === 2, "two pongs");
  a.send("shout:hello all");
  await waitFor(() => b.texts.includes("__YPS:hello all"), "b got the broadcast");
  expect(a.texts).not.toContain("__YPS:hello all");
  // Server code may edit the document: persisted and broadcast to everyone, like a client edit.
  a.send("server-edit:from the server");
  await waitFor(() => a.text === "from the server" && b.text === "from the server", "server edit reached both");
  await a.close();
  await b.close();
  const fresh = await YClient.synced(path(room));
  await waitFor(() => fresh.text === "from the server", "server edit persisted");
  await fresh.close();
});

it("a throwing onCustomMessage closes that connection with a generic 1011, nobody else", async () => {
  const room = freshRoom("custom-throw");
  const a = await YClient.synced(path(room));
  const b = await connect(SELF, path(room));
  b.send("throw");
  const closed = await b.closed;
  expect(closed).toEqual({ code: 1011, reason: "Internal server error" });
  a.doc.getText("t").insert(0, "fine");
  const c = await YClient.synced(path(room));
  await waitFor(() => c.text === "fine", "room still works");
  expect(a.closeInfo).toBeUndefined();
  await Promise.all([a.close(), c.close()]);
});

it("a read-only connection whose tag a getConnectionTags override dropped is refused, not allowed to write", async () => {
  const room = freshRoom("forgetful");
  const viewer = await connect(SELF, `/parties/forgetful-doc/${room}?mode=read`);
  expect(await viewer.closed).toEqual({ code: 1011, reason: "Internal server error" });
  const writer = await YClient.synced(`/parties/forgetful-doc/${room}`);
  writer.doc.getText("t").insert(0, "ok");
  await waitFor(async () => (await (await SELF.fetch(`http://x/parties/forgetful-doc/${room}`)).arrayBuffer()).byteLength > 5, "writers still write");
  await writer.close();
});
