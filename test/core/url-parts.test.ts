// Every join reads its path (in the Worker) and its connection id (in the room)
// straight from the serialized URL, without a URL object (src/url-parts.ts):
// each reading must agree with the URL parser on every URL a request can carry.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { connect } from "../../src/testing/index.js";
import { pathOf, queryParam } from "../../src/url-parts.js";

const URLS = [
  "http://example.com/parties/main/room",
  "https://example.com:8443/parties/main/r%201/history?x=1",
  "http://example.com",
  "http://example.com?next=/parties/evil/x",
  "http://example.com/party/a?b=/c#/d?e",
  "http://example.com/party/a#frag/with?query",
  "http://user:p%2Fss@example.com/parties/main/a%2Fb",
  "http://us/er:pa?ss#w@example.com/parties/x/y",
  "http://[::1]:1999/parties/main/..%2F..",
  "http://example.com/parties/main/%00abc/../b",
  "http://example.com/parties/main/a b/\u00e9?q=\u00e9",
  "http://example.com/./parties//main/./x/..",
  "ws://example.com/parties/main/room?_pk=a",
];

// What Request.url holds for each.
const serialized = (raw: string) => new URL(raw).href;

it("pathOf(url) is new URL(url).pathname for every serialized request URL", () => {
  for (const raw of URLS) expect(pathOf(serialized(raw)), raw).toBe(new URL(raw).pathname);
});

it("queryParam(url, name) is searchParams.get(name), for odd queries and 2,000 random ones", () => {
  const queries = [
    "",
    "?",
    "?_pk",
    "?_pk=",
    "?_pk=a=b",
    "?x=1&_pk=alice&_pk=bob",
    "?&&_pk=c&",
    "?_pk=a+b",
    "?_p%6B=encoded-key",
    "?_pk=%E2%9C%93",
    "?_pk=%zz",
    "?_pkx=1&x_pk=2",
    "?_pk=a#_pk=b",
    "#?_pk=x",
    "?_pk=caf\u00e9",
    "?a=?_pk=x&_pk=y",
  ];
  // Bounded: a fixed number of queries over the characters that matter to the parser.
  const alphabet = ["_pk", "_p", "k", "=", "&", "+", "%", "%41", "%E2%9C%93", "#", "?", "a", "/", " "];
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 2_000; i++) {
    let q = "?";
    for (let j = next() % 12; j > 0; j--) q += alphabet[next() % alphabet.length];
    queries.push(q);
  }
  for (const q of queries) {
    const url = serialized(`http://example.com/parties/main/room${q}`);
    expect(queryParam(url, "_pk"), url).toBe(new URL(url).searchParams.get("_pk"));
  }
});

it("a query or fragment that looks like a path does not route the request", async () => {
  const a = await connect(SELF, "/parties/main/path-of-room?next=/parties/probe/other");
  expect(await a.next()).toBe("0");
  a.send("increment");
  expect(await a.next()).toBe("1");
  const res = await SELF.fetch("http://example.com/elsewhere?to=/parties/main/path-of-room");
  expect(res.status).toBe(404);
  await a.close();
});

it("the connection id is read from _pk however the client spells the query", async () => {
  const room = `url-parts-${Math.random()}`;
  for (const [query, id] of [
    ["?x=1&_pk=alice", "alice"],
    ["?_pk=b%C3%B8b&_pk=second", "b\u00f8b"],
    ["?_pk=carol+dee", "carol dee"],
  ]) {
    const s = await connect(SELF, `/parties/probe/${room}${query}`);
    expect((await s.nextJSON<{ id: string }>()).id).toBe(id);
    await s.close();
  }
});
