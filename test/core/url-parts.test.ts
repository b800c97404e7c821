// The router reads a request's path from its serialized URL without building a
// URL object (src/router.ts pathOf, on every join): it must agree with the URL
// parser on every URL a request can carry, hostile ones included.
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { connect } from "../../src/testing/index.js";
import { pathOf } from "../../src/router.js";

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

it("pathOf(url) is new URL(url).pathname for every serialized request URL", () => {
  for (const raw of URLS) {
    const url = new URL(raw).href; // what Request.url holds
    expect(pathOf(url), raw).toBe(new URL(url).pathname);
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
