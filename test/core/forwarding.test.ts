// How a request reaches its room. With no edge hook, the Worker forwards the request as the
// client sent it (no copy on the join path), and the room reads its address off the request
// itself: its id from its Durable Object name, its party from its class, the rest of the path
// from the URL. A client's own x-roomkit-* headers must still never be believed.
import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { connect } from "../../src/testing/index.js";

type Report = {
  party: string;
  room: string;
  route: { party: string; room: string; rest: string } | null;
  caller: { party: string; room: string } | null;
  addressHeaders: string[];
  user: string | null;
};

const get = async (path: string, headers: Record<string, string> = {}): Promise<Report> => {
  const res = await SELF.fetch(`http://example.com${path}`, { headers });
  expect(res.status).toBe(200);
  return res.json();
};

const join = async (path: string, headers: Record<string, string> = {}): Promise<Report> => {
  const ws = await connect(SELF, path, { headers });
  const report = JSON.parse((await ws.next()) as string) as Report;
  await ws.close();
  return report;
};

describe("a room reads its address off the request the client sent", () => {
  it("party, decoded id and the rest of the path, on a join and on a request; no address header reaches user code", async () => {
    const expected = {
      party: "where",
      room: "a room é",
      route: { party: "where", room: "a room é", rest: "/chat/x" },
      caller: null,
      addressHeaders: [],
      user: "ada",
    };
    expect(await join("/parties/where/a%20room%20%C3%A9/chat/x?_pk=c1", { "x-user": "ada" })).toEqual(expected);
    expect(await get("/parties/where/a%20room%20%C3%A9/chat/x", { "x-user": "ada" })).toEqual(expected);
  });

  const forged: Record<string, string>[] = [
    { "x-roomkit-rest": "/admin" },
    { "x-roomkit-party": "main" },
    { "x-roomkit-room": "someone-else" },
    { "x-roomkit-caller": "where/evil" },
    { "x-roomkit-party": "alias-a", "x-roomkit-room": "r1", "x-roomkit-rest": "/admin", "x-roomkit-caller": "main/x" },
  ];
  it.each(forged)("a client's own address header is never believed: %o", async (headers) => {
    const expected = { party: "where", room: "r1", route: { party: "where", room: "r1", rest: "" }, caller: null, addressHeaders: [], user: null };
    expect(await join("/parties/where/r1", headers)).toEqual(expected);
    expect(await get("/parties/where/r1", headers)).toEqual(expected);
  });

  it("a class served under two party names: each room knows the name it was reached by", async () => {
    expect(await join("/parties/alias-b/r2")).toMatchObject({ party: "alias-b", route: { party: "alias-b", rest: "" } });
    expect(await get("/parties/alias-b/r2/x")).toMatchObject({ party: "alias-b", route: { party: "alias-b", rest: "/x" } });
    expect(await get("/parties/alias-a/r2")).toMatchObject({ party: "alias-a", room: "r2" });
  });

  it("a class no route declares, reached by a user's own stub with no address: its party is the one its URL names", async () => {
    const stub = (room: string) => env.UNDECLARED.get(env.UNDECLARED.idFromName(room));
    const lone = await stub("r3").fetch("http://x/parties/lone/r3/path");
    expect(await lone.json()).toMatchObject({ party: "lone", room: "r3", route: { party: "lone", room: "r3", rest: "/path" } });
    const main = await stub("r4").fetch("http://x/party/r4");
    expect(await main.json()).toMatchObject({ party: "main", room: "r4", route: { party: "main", rest: "" } });
    // Without the party header roomkit always writes, no other address header is believed either.
    const forged = await stub("r6").fetch("http://x/parties/lone/r6/real", { headers: { "x-roomkit-rest": "/forged", "x-roomkit-room": "r7" } });
    expect(await forged.json()).toMatchObject({ party: "lone", room: "r6", route: { rest: "/real" }, addressHeaders: [] });
    // A URL outside the Worker's routes names no party: the default, as before.
    const other = await stub("r5").fetch("http://x/somewhere/else");
    expect(await other.json()).toMatchObject({ party: "main", room: "r5" });
  });
});
