// A long fuzz of a running `wrangler dev`: random requests with bodies nobody reads, hostile paths
// and ids, edge hooks that throw or refuse, random WebSocket handshakes. Every answer must be a
// precise 4xx (or a success), never a 5xx, a dropped connection or an internal detail, and the
// runtime must neither log an uncaught error nor restart. Then 1,000 sockets in one room still get
// every broadcast exactly once. Cases come from fast-check with a printed seed, so a failure replays.
import http from "node:http";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { until } from "../support/until.js";
import { DevServer, snapshotWorker } from "../support/wrangler-dev.js";

const fixture = path.join(import.meta.dirname, "fixtures");
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 16;
const REQUESTS = 10_000;
const HANDSHAKES = 1_000;
/** About 100 s in all on 2 idle cores; the bound leaves room for a machine shared with other work. */
const BOUND_MS = 400_000;

let server: DevServer;
let agent: http.Agent;
beforeAll(async () => {
  server = await DevServer.start({ cwd: await snapshotWorker(fixture) });
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  console.log(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED})`);
});
afterAll(async () => {
  agent?.destroy();
  await server?.stop();
});

// ---- what is generated ----

/** Party segments: known ones, an unknown one, an empty one, or noise. */
const PARTIES = ["main", "relay", "secure", "gate", "nope", ""];
/** Fragments of hostile path segments; each is printable ASCII, as on the wire. */
const HOSTILE = [
  "%00",
  "%2F",
  "%2f",
  "%ZZ",
  "%",
  "%E0%A4",
  "%C0%AF",
  "..",
  ".",
  "%2e%2e",
  "%0A",
  "%7F",
  "~",
  "'",
  '"',
  "<script>",
  "%F0%9F%92%A9",
  "%EF%BF%BF",
  "//",
  ";",
  "@",
  "$",
  "!",
];

const segment = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 24 }).map(encodeURIComponent),
  fc.array(fc.constantFrom(...HOSTILE), { minLength: 1, maxLength: 4 }).map((parts) => parts.join("")),
  fc.integer({ min: 200, max: 3_000 }).map((n) => "r".repeat(n)), // ids over the 256-character limit
  fc.constantFrom("room-1", "abc", "a%20b", "%C3%A9t%C3%A9"),
);
const rest = fc.oneof(
  fc.constant(""),
  segment.map((s) => `/${s}`),
  fc.constant("/../../etc/passwd"),
);
const query = fc
  .record({
    pk: fc.option(segment, { nil: undefined }),
    gate: fc.constantFrom("pass", "throw", "refuse", "pass", undefined),
    read: fc.boolean(),
  })
  .map(({ pk, gate, read }) => {
    const q = [pk !== undefined && `_pk=${pk}`, gate && `gate=${gate}`, read && "read"].filter(Boolean);
    return q.length ? `?${q.join("&")}` : "";
  });
const urlPath = fc.oneof(
  fc.tuple(fc.constantFrom(...PARTIES), segment, rest, query).map(([p, r, x, q]) => `/parties/${p}/${r}${x}${q}`),
  fc.tuple(segment, rest, query).map(([r, x, q]) => `/party/${r}${x}${q}`),
  fc.tuple(segment, query).map(([s, q]) => `/parties/${s}${q}`),
  fc.array(segment, { maxLength: 3 }).map((s) => `/${s.join("/")}`),
);
const httpCase = fc.record({
  method: fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
  path: urlPath,
  size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_024 }), fc.integer({ min: 0, max: 65_536 })),
  chunked: fc.boolean(),
  fill: fc.integer({ min: 0, max: 255 }),
});
type HttpCase = typeof httpCase extends fc.Arbitrary<infer T> ? T : never;

/** What a client must never see: a stack frame or an error's name. */
const LEAK = /\n\s+at |Error:|TypeError|RangeError|ReferenceError|SyntaxError|node_modules|file:\/\//;

// ---- how it is sent ----

type Outcome = { status?: number; body: string; error?: string };

function send(c: HttpCase): Promise<Outcome> {
  return new Promise((resolve) => {
    // HEAD carries no body (node would announce one and never send it); others frame theirs explicitly.
    const size = c.method === "HEAD" ? 0 : c.size;
    const headers: Record<string, string | number> = c.method === "HEAD" ? {} : c.chunked ? { "transfer-encoding": "chunked" } : { "content-length": size };
    const req = http.request({ host: "127.0.0.1", port: server.port, method: c.method, path: c.path, agent, headers, timeout: 30_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
      res.on("error", (e) => resolve({ status: res.statusCode, body, error: `response: ${e.message}` }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
    req.on("error", (e) => resolve({ body: "", error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end(size ? Buffer.alloc(size, c.fill) : undefined);
  });
}

async function pool<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

function describeFailures(failures: string[]): string {
  const log = server.output.text
    .split("\n")
    .filter((line) => !line.includes("[wrangler:info]"))
    .join("\n")
    .slice(-3_000);
  return `${failures.length} bad answers (seed ${SEED}), first ones:\n${failures.slice(0, 8).join("\n")}\nwrangler dev's log, without request lines:\n${log}`;
}

/**
 * The runtime's log must show no uncaught error and no restart. ("Reloading local server" is not
 * one: wrangler prints it when a file it bundles changes, e.g. while another process runs npm
 * install in this checkout; a runtime that dies mid-request shows up as 503s and the lines below.)
 */
function expectQuietRuntime() {
  const alarming = server.output.text
    .split("\n")
    .filter((line) =>
      /Can't read from request stream|Uncaught|restarted mid-request|workerd.*(exited|crashed|signal)|Segmentation fault|Runtime failed/i.test(line),
    );
  expect(alarming.map((line) => line.slice(0, 300))).toEqual([]);
  expect(server.process.exitCode).toBe(null);
}

it(
  `${REQUESTS} random requests with bodies: only precise 4xx or successes, no 5xx, no dropped connection, nothing internal`,
  async () => {
    const cases = fc.sample(httpCase, { numRuns: REQUESTS, seed: SEED });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const t0 = Date.now();
    await pool(cases, async (c) => {
      const out = await send(c);
      if (out.status) statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
      const bad = out.error ? `transport error ${out.error}` : out.status! >= 500 ? `status ${out.status}` : LEAK.test(out.body) ? "leaked internals" : "";
      if (bad)
        failures.push(
          `${bad}: ${c.method} ${c.path.slice(0, 120)} (${c.size} bytes${c.chunked ? ", chunked" : ""}) -> ${out.status} ${JSON.stringify(out.body.slice(0, 160))}`,
        );
    });
    console.log(`${REQUESTS} requests in ${Date.now() - t0} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(failures, describeFailures(failures)).toEqual([]);
    // Refusals of every kind were really exercised, not only one.
    for (const status of [400, 401, 403, 404, 409, 426]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    expectQuietRuntime();
  },
  BOUND_MS,
);

const handshake = fc.record({
  party: fc.constantFrom("main", "relay", "secure", "gate", "gate", "nope"),
  room: segment,
  query,
  protocol: fc.option(fc.constantFrom("y-protocol", "a,b", "chat"), { nil: undefined }),
  raw: fc.option(fc.record({ version: fc.constantFrom("13", "8", "", "99"), key: fc.constantFrom("", "short", "dGhlIHNhbXBsZSBub25jZQ==") }), {
    freq: 3,
    nil: undefined,
  }),
});
type Handshake = typeof handshake extends fc.Arbitrary<infer T> ? T : never;

/** A handshake through `ws` (a real client), or a raw upgrade request with a bad version or key. */
function connect(h: Handshake): Promise<Outcome & { opened?: boolean }> {
  const target = `/parties/${h.party}/${h.room}${h.query}`;
  if (h.raw) {
    return new Promise((resolve) => {
      const headers: Record<string, string> = { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": h.raw!.version };
      if (h.raw!.key) headers["sec-websocket-key"] = h.raw!.key;
      if (h.protocol) headers["sec-websocket-protocol"] = h.protocol;
      const req = http.request({ host: "127.0.0.1", port: server.port, path: target, headers, agent: false, timeout: 30_000 });
      req.on("upgrade", (res, socket) => (socket.destroy(), resolve({ status: res.statusCode, body: "", opened: true })));
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      });
      req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
      req.on("error", (e) => resolve({ body: "", error: (e as NodeJS.ErrnoException).code ?? e.message }));
      req.end();
    });
  }
  return new Promise((resolve) => {
    // No subprotocols here: `ws` fails a 101 that picks none, which browsers accept; raw cases send them.
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${target}`, { handshakeTimeout: 30_000 });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, body: "", opened: true });
    });
    ws.on("error", (e) => resolve({ body: "", error: e.message }));
  });
}

it(
  `${HANDSHAKES} random WebSocket handshakes: each opens or gets a precise 4xx, never a 5xx or a dropped connection`,
  async () => {
    const cases = fc.sample(handshake, { numRuns: HANDSHAKES, seed: SEED });
    const failures: string[] = [];
    let opened = 0;
    const statuses = new Map<number, number>();
    const t0 = Date.now();
    await pool(cases, async (h) => {
      const out = await connect(h);
      if (out.opened) opened++;
      if (out.status) statuses.set(out.status, (statuses.get(out.status) ?? 0) + 1);
      const bad = out.error ? `transport error ${out.error}` : out.status! >= 500 ? `status ${out.status}` : LEAK.test(out.body) ? "leaked internals" : "";
      if (bad)
        failures.push(
          `${bad}: ${h.raw ? `raw v${h.raw.version} key ${JSON.stringify(h.raw.key)} ` : ""}/parties/${h.party}/${h.room.slice(0, 80)}${h.query.slice(0, 80)} -> ${out.status} ${JSON.stringify(out.body.slice(0, 160))}`,
        );
    });
    console.log(`${HANDSHAKES} handshakes in ${Date.now() - t0} ms: ${opened} opened; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(failures, describeFailures(failures)).toEqual([]);
    expect(opened).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expectQuietRuntime();
  },
  BOUND_MS,
);

it(
  "after the fuzz, 1,000 sockets in one room each receive 10 broadcasts exactly once, in order",
  async () => {
    const room = `after-fuzz-${SEED}`;
    type Client = { ws: WebSocket; got: string[] };
    const open = (i: number) =>
      new Promise<Client>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/parties/relay/${room}?_pk=c${i}`);
        const c: Client = { ws, got: [] };
        ws.on("message", (d) => c.got.push(String(d)));
        ws.once("open", () => resolve(c));
        ws.once("error", reject);
      });
    const clients: Client[] = [];
    for (let i = 0; i < 1_000; i += 100) clients.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => open(i + j)))));
    const sender = clients[0]!;
    for (let k = 0; k < 10; k++) sender.ws.send(String(k));
    sender.ws.send("end"); // the relay keeps a sender's order: once "end" arrived, nothing of 0..9 is still on its way
    await until(
      () => clients.every((c) => c.got.includes("c0:end")),
      120_000,
      () => `${clients.filter((c) => !c.got.includes("c0:end")).length} sockets without the end marker`,
    );
    const expected = [...Array.from({ length: 10 }, (_, k) => `c0:${k}`), "c0:end"];
    const wrong = clients.filter((c) => JSON.stringify(c.got.filter((m) => m.startsWith("c0:"))) !== JSON.stringify(expected));
    expect(wrong.length, `first wrong: ${JSON.stringify(wrong[0]?.got.slice(0, 15))}`).toBe(0);
    await Promise.all(clients.map((c) => new Promise((r) => (c.ws.once("close", r), c.ws.close()))));
    expectQuietRuntime();
  },
  BOUND_MS,
);
