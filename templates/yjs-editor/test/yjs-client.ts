// Just enough of the y-websocket protocol to test the room with real sockets:
// a frame is [messageType, ...]; sync messages are [0, syncType, varUint length, bytes].
import { SELF } from "cloudflare:test";
import { connect, type TestSocket } from "roomkit/testing";
import * as Y from "yjs";

const SYNC = 0;
const AWARENESS = 1;
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;
const FROM_ROOM = "room";

function varUint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function withLength(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from([...varUint(bytes.length), ...bytes]);
}
function readVarUint(bytes: Uint8Array, at: { pos: number }): number {
  let n = 0;
  for (let mult = 1; ; mult *= 128) {
    const b = bytes[at.pos++]!;
    n += (b & 127) * mult;
    if (b < 128) return n;
  }
}
function readBytes(bytes: Uint8Array, at: { pos: number }): Uint8Array {
  const len = readVarUint(bytes, at);
  return bytes.subarray(at.pos, (at.pos += len));
}

/** A browser-like participant: a Y.Doc kept in sync with the room over a real WebSocket. */
export class Participant {
  readonly doc = new Y.Doc();
  /** Awareness states others announced, by client id (JSON text as sent). */
  readonly presence = new Map<number, string>();
  synced = false;

  private constructor(readonly socket: TestSocket) {
    socket.ws.addEventListener("message", (e) => this.receive(new Uint8Array(e.data as ArrayBuffer)));
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin !== FROM_ROOM) this.socket.send(Uint8Array.from([SYNC, UPDATE, ...withLength(update)]));
    });
  }

  static async join(room: string): Promise<Participant> {
    const p = new Participant(await connect(SELF, `/parties/main/${room}`));
    p.socket.send(Uint8Array.from([SYNC, STEP1, ...withLength(Y.encodeStateVector(p.doc))]));
    for (let i = 0; i < 200 && !p.synced; i++) await new Promise((r) => setTimeout(r, 10));
    if (!p.synced) throw new Error("the room never answered sync step 1");
    return p;
  }

  get text(): string {
    return this.doc.getText("codemirror").toString();
  }

  /** Announces this participant's presence, as y-protocols' Awareness would. */
  announce(user: { name: string; color: string }): void {
    const json = new TextEncoder().encode(JSON.stringify({ user }));
    const update = Uint8Array.from([1, ...varUint(this.doc.clientID), 1, ...withLength(json)]);
    this.socket.send(Uint8Array.from([AWARENESS, ...withLength(update)]));
  }

  close(): Promise<unknown> {
    return this.socket.close();
  }

  private receive(bytes: Uint8Array): void {
    const at = { pos: 0 };
    const type = readVarUint(bytes, at);
    if (type === SYNC) {
      const sync = readVarUint(bytes, at);
      const payload = readBytes(bytes, at);
      if (sync === STEP1) this.socket.send(Uint8Array.from([SYNC, STEP2, ...withLength(Y.encodeStateAsUpdate(this.doc, payload))]));
      else Y.applyUpdate(this.doc, payload, FROM_ROOM);
      if (sync === STEP2) this.synced = true;
    } else if (type === AWARENESS) {
      const update = readBytes(bytes, at);
      const u = { pos: 0 };
      for (let n = readVarUint(update, u); n > 0; n--) {
        const clientId = readVarUint(update, u);
        readVarUint(update, u); // clock
        const state = new TextDecoder().decode(readBytes(update, u));
        if (state === "null") this.presence.delete(clientId);
        else this.presence.set(clientId, state);
      }
    }
  }
}
