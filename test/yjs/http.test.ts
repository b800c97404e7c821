// The document over HTTP: GET/HEAD with ETag and 304, POST through the same
// path as socket edits, and the worker's auth hooks in front of both.
import { SELF, evictDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import * as Y from "yjs";
import { connect } from "../../src/testing/index.js";
import { stubOf, tables } from "./helpers/room.js";
import { freshRoom, waitFor } from "./helpers/wait.js";
import { YClient } from "./helpers/yclient.js";

const url = (party: string, room: string, rest = "") => `http://x/parties/${party}/${room}${rest}`;
const textOf = (bytes: ArrayBuffer) => {
  const d = new Y.Doc();
  Y.applyUpdate(d, new Uint8Array(bytes));
  return d.getText("t").toString();
};
const updateInserting = (text: string) => {
  const d = new Y.Doc();
  d.getText("t").insert(0, text);
  return Y.encodeStateAsUpdate(d);
};

it("GET returns the document as a Yjs update with an ETag; If-None-Match gives 304 until it changes", async () => {
  const room = freshRoom("get");
  const empty = await SELF.fetch(url("doc", room));
  expect(empty.status).toBe(200);
  expect(empty.headers.get("content-type")).toBe("application/octet-stream");
  expect(textOf(await empty.arrayBuffer())).toBe("");
  const etag0 = empty.headers.get("etag")!;
  expect(etag0).toMatch(/^"[0-9a-f]{8}\.0"$/);

  const a = await YClient.synced(`/parties/doc/${room}`);
  a.doc.getText("t").insert(0, "v1");
  await waitFor(async () => (await head(url("doc", room))) !== etag0, "etag changed");
  const r1 = await SELF.fetch(url("doc", room), { headers: { "if-none-match": etag0 } });
  expect(r1.status).toBe(200);
  expect(textOf(await r1.arrayBuffer())).toBe("v1");
  const etag1 = r1.headers.get("etag")!;

  for (const inm of [etag1, `W/${etag1}`, `"nope", ${etag1}`, "*"]) {
    const r = await SELF.fetch(url("doc", room), { headers: { "if-none-match": inm } });
    expect(r.status, inm).toBe(304);
    expect(r.headers.get("etag")).toBe(etag1);
    expect(await r.text()).toBe("");
  }
  // Sub-paths of the room serve the same document; HEAD has the headers and no body.
  const sub = await SELF.fetch(url("doc", room, "/state.bin"));
  expect(textOf(await sub.arrayBuffer())).toBe("v1");
  const h = await SELF.fetch(url("doc", room), { method: "HEAD" });
  expect(h.status).toBe(200);
  expect(h.headers.get("etag")).toBe(etag1);
  expect(await h.text()).toBe("");

  // The ETag survives eviction (it is derived from storage, not memory), and stays valid.
  await a.close();
  await evictDurableObject(stubOf("doc", room)).catch(() => {});
  expect((await SELF.fetch(url("doc", room), { headers: { "if-none-match": etag1 } })).status).toBe(304);
});

it("POST applies an update like a socket edit: broadcast to clients, persisted, new ETag", async () => {
  const room = freshRoom("post");
  const a = await YClient.synced(`/parties/doc/${room}`);
  a.doc.getText("t").insert(0, "socket;");
  const before = await head(url("doc", room));
  const res = await SELF.fetch(url("doc", room), { method: "POST", body: updateInserting("agent;"), headers: { "content-type": "application/octet-stream" } });
  expect(res.status).toBe(204);
  const etag = res.headers.get("etag")!;
  expect(etag).not.toBe(before);
  await waitFor(() => a.text.includes("agent;") && a.text.includes("socket;"), "socket client received the HTTP edit");
  expect((await tables("doc", room)).doc.getText("t").toString()).toBe(a.text);
  // Posting the same update again changes nothing: no new version, nothing broadcast.
  const seen = a.updatesReceived;
  const again = await SELF.fetch(url("doc", room), { method: "POST", body: updateInserting("agent;") });
  expect(again.status).toBe(204);
  expect(again.headers.get("etag")).not.toBe(etag); // a different client id: a distinct insert
  const same = await SELF.fetch(url("doc", room));
  const state = new Uint8Array(await same.arrayBuffer());
  const replay = await SELF.fetch(url("doc", room), { method: "POST", body: state });
  expect(replay.headers.get("etag")).toBe(same.headers.get("etag"));
  await waitFor(() => a.updatesReceived === seen + 1, "one broadcast for the one real change");
  await a.close();
});

it.each([
  { what: "an empty body", party: "doc", body: new Uint8Array(0), status: 400, reason: /Expected a Yjs update/ },
  { what: "garbage", party: "doc", body: Uint8Array.of(5, 255, 255, 255, 255, 15, 9), status: 400, reason: /^Invalid Yjs update\.$/ },
  { what: "an oversized update", party: "tiny-doc", body: new Uint8Array(70_000), status: 413, reason: /exceeds the room's limit of 65536 bytes/ },
])("POST of $what is refused ($status) and changes nothing", async ({ party, body, status, reason }) => {
  const room = freshRoom("post-bad");
  await SELF.fetch(url(party, room), { method: "POST", body: updateInserting("ok") });
  const before = await head(url(party, room));
  const res = await SELF.fetch(url(party, room), { method: "POST", body });
  expect(res.status).toBe(status);
  expect(await res.text()).toMatch(reason);
  expect(await head(url(party, room))).toBe(before);
});

it("other methods get 405 with Allow; read-only requests may GET but not POST", async () => {
  const room = freshRoom("methods");
  const put = await SELF.fetch(url("doc", room), { method: "PUT", body: "x" });
  expect(put.status).toBe(405);
  expect(put.headers.get("allow")).toBe("GET, HEAD, POST");
  expect(await put.text()).toMatch(/Method PUT is not allowed/);
  const ro = await SELF.fetch(url("hook-doc", room, "?mode=read"), { method: "POST", body: updateInserting("nope") });
  expect(ro.status).toBe(403);
  expect(await ro.text()).toBe("This client may only read the document.");
  expect(textOf(await (await SELF.fetch(url("hook-doc", room, "?mode=read"))).arrayBuffer())).toBe("");
});

it("the worker's onBeforeRequest / onBeforeConnect guard HTTP and sockets alike", async () => {
  const room = freshRoom("guarded");
  expect((await SELF.fetch(url("guarded-doc", room))).status).toBe(401);
  expect((await SELF.fetch(url("guarded-doc", room), { method: "POST", body: updateInserting("x") })).status).toBe(401);
  await expect(connect(SELF, `/parties/guarded-doc/${room}`)).rejects.toThrow(/403/);
  const auth = { authorization: "Bearer secret" };
  expect((await SELF.fetch(url("guarded-doc", room), { method: "POST", body: updateInserting("in"), headers: auth })).status).toBe(204);
  const a = await YClient.synced(`/parties/guarded-doc/${room}?token=secret`);
  await waitFor(() => a.text === "in", "authorized socket syncs");
  await a.close();
  const res = await SELF.fetch(url("guarded-doc", room), { headers: auth });
  expect(textOf(await res.arrayBuffer())).toBe("in");
});

async function head(u: string): Promise<string> {
  const res = await SELF.fetch(u, { method: "HEAD" });
  return res.headers.get("etag") ?? "";
}
