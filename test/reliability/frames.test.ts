// Hostile frames over a real socket to real workerd: each closes only its own
// connection with a precise code, and the room carries on for everyone else.
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { waitFor } from "../support/wait-for.js";
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

/**
 * A client written against the wire protocol: completes the handshake, then sends one masked frame
 * with an opcode RFC 6455 reserves. Resolves once the frame is written; the socket is left for the
 * server to close (local workerd holds a server-closed hibernatable socket ~10 s, see docs/limits.md).
 */
function sendReservedOpcode(room: string, id: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, "127.0.0.1", () => {
      socket.write(
        `GET /parties/relay/${room}?_pk=${id} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.once("data", (head) => {
      if (!head.toString("latin1").startsWith("HTTP/1.1 101")) return reject(new Error(`handshake refused: ${head.toString("latin1").slice(0, 40)}`));
      const mask = [1, 2, 3, 4];
      const payload = Buffer.from("hi").map((b, i) => b ^ mask[i % 4]!);
      socket.on("error", () => {});
      socket.write(Buffer.concat([Buffer.from([0x83, 0x80 | payload.length, ...mask]), payload]), () => resolve(socket)); // FIN + opcode 3: reserved
    });
    socket.once("error", reject);
  });
}

it("a protocol error runs onError then onClose, once; an onError that throws is logged and the room carries on", async () => {
  const room = `errors-${Date.now()}`;
  const witness = await open(room, "witness");
  const wait = (frame: string) =>
    new Promise<void>((r) => {
      const check = () => (witness.got.includes(frame) ? r() : setTimeout(check, 20));
      check();
    });

  const rude = await sendReservedOpcode(room, "rude");
  await wait("left:rude");
  const throwing = await sendReservedOpcode(room, "throwing");
  await wait("left:throwing");
  rude.destroy();
  throwing.destroy();

  witness.ws.send("still here");
  await wait("witness:still here");
  await new Promise((r) => setTimeout(r, 200));
  expect(witness.got).toEqual(["error:rude:protocol", "left:rude", "error:throwing:protocol", "left:throwing", "witness:still here"]);
  // PartyKit's rule: a throwing hook is logged with where it happened, not sent to anyone.
  const logged = /\[roomkit\] .*relay\/errors-\d+ onError of connection "throwing" threw: .*onError bug for throwing/;
  await waitFor(() => logged.test(server.output.text), "the onError throw in wrangler's log");
  witness.ws.close();
});
