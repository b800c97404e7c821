// Hostile frames over a real socket to real workerd: each closes only its own
// connection with a precise code, and the room carries on for everyone else.
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { DevServer } from "../support/wrangler-dev.js";

const fixture = path.join(import.meta.dirname, "fixtures");
let server: DevServer;
beforeAll(async () => {
  server = await DevServer.start({ cwd: fixture });
});
afterAll(() => server?.stop());

function open(room: string, id: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/parties/relay/${room}?_pk=${id}`);
  const got: string[] = [];
  ws.on("message", (d) => got.push(String(d)));
  ws.on("error", () => {});
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.once("close", (code, reason) => r({ code, reason: String(reason) })));
  return new Promise<{ ws: WebSocket; got: string[]; closed: typeof closed }>((resolve) => ws.once("open", () => resolve({ ws, got, closed })));
}

it("invalid UTF-8 reaches the room only as U+FFFD; a frame over the size limit closes only its sender", async () => {
  const room = `frames-${Date.now()}`;
  const witness = await open(room, "witness");

  // The runtime decodes invalid UTF-8 with U+FFFD replacement characters before the
  // room sees it (and later drops that connection); the room never sees raw bytes.
  const badText = await open(room, "bad-utf8");
  badText.ws.send(Buffer.from([0x68, 0xc3, 0x28, 0xff]), { binary: false });

  const huge = await open(room, "huge");
  huge.ws.send(Buffer.alloc(1_048_577));
  expect(await huge.closed).toEqual({ code: 1009, reason: "Message too big: 1048577 bytes; the limit is 1048576." });

  witness.ws.send("still here");
  await new Promise<void>((r) => {
    const check = () => (witness.got.includes("witness:still here") ? r() : setTimeout(check, 20));
    check();
  });
  // The oversized frame reached no one (its sender just left); the invalid text arrived replaced, not raw.
  expect(witness.got).toEqual(["bad-utf8:h\uFFFD(\uFFFD", "left:huge", "witness:still here"]);
  badText.ws.terminate();
  witness.ws.close();
});

it("a client that vanishes without a close frame still gets onClose, once", async () => {
  const room = `vanish-${Date.now()}`;
  const witness = await open(room, "witness");
  const ghost = await open(room, "ghost");
  ghost.ws.terminate(); // drop the TCP connection: no close frame
  await new Promise<void>((r) => {
    const check = () => (witness.got.includes("left:ghost") ? r() : setTimeout(check, 20));
    check();
  });
  await new Promise((r) => setTimeout(r, 200));
  expect(witness.got.filter((m) => m === "left:ghost")).toHaveLength(1);
  witness.ws.close();
});
