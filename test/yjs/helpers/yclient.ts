// A minimal y-websocket client over a raw in-process WebSocket, for tests that
// need to see every frame: what the room sends, close codes, denied writes.
// It uses y-protocols' client side (not the room's own code) to stay independent.
import { SELF } from "cloudflare:test";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { connect, type CloseInfo } from "../../../src/testing/index.js";
import { waitFor } from "./wait.js";

const REMOTE = "remote";

export class YClient {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  /** Updates the room sent (sync step 2 and updates). */
  updatesReceived = 0;
  /** Awareness messages the room sent. */
  awarenessReceived = 0;
  syncedOnce = false;
  readonly denied: string[] = [];
  readonly texts: string[] = [];
  closeInfo: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;
  #resolveClosed!: (c: CloseInfo) => void;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    this.awareness.setLocalState(null);
    ws.addEventListener("message", (e) => this.#onMessage(e.data as string | ArrayBuffer));
    ws.addEventListener("close", (e) => {
      this.closeInfo = { code: e.code, reason: e.reason };
      this.#resolveClosed(this.closeInfo);
      this.awareness.destroy();
    });
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === REMOTE) return;
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, 0);
      syncProtocol.writeUpdate(enc, update);
      this.send(encoding.toUint8Array(enc));
    });
    this.awareness.on("update", ({ added, updated, removed }: Record<string, number[]>, origin: unknown) => {
      if (origin === REMOTE) return;
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, 1);
      encoding.writeVarUint8Array(enc, awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed]));
      this.send(encoding.toUint8Array(enc));
    });
  }

  /**
   * Connects to `path` (e.g. `/parties/doc/room`) and sends sync step 1.
   * `offline`: what the client's document already holds (a client that was
   * offline), applied before it syncs.
   */
  static async open(path: string, init?: RequestInit, offline?: Uint8Array): Promise<YClient> {
    const socket = await connect(SELF, path, init);
    const client = new YClient(socket.ws);
    if (offline) Y.applyUpdate(client.doc, offline, REMOTE);
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 0);
    syncProtocol.writeSyncStep1(enc, client.doc);
    client.send(encoding.toUint8Array(enc));
    return client;
  }

  /** Opens and waits until the room answered sync step 1. */
  static async synced(path: string, init?: RequestInit): Promise<YClient> {
    const c = await YClient.open(path, init);
    await waitFor(() => c.syncedOnce || c.closeInfo !== undefined, `sync with ${path}`);
    return c;
  }

  get text(): string {
    return this.doc.getText("t").toString();
  }

  send(data: string | Uint8Array): void {
    if (this.closeInfo) return;
    try {
      this.ws.send(data);
    } catch {
      // closing
    }
  }

  /**
   * Waits until the room has handled everything this client sent so far:
   * frames on one socket are handled in order, so the answer to a
   * query-awareness sent now comes after all of them. Needs a presence state
   * in the room (so there is an answer), and no other awareness traffic in
   * flight to this client: wait for others' presence first ({@link seesPresenceOf}).
   */
  async fence(): Promise<void> {
    const before = this.awarenessReceived;
    this.send(Uint8Array.of(3));
    await waitFor(() => this.awarenessReceived > before, "the room caught up with this client");
  }

  /** Waits until this client has `other`'s awareness state. */
  async seesPresenceOf(other: YClient): Promise<void> {
    await waitFor(() => this.awareness.getStates().has(other.doc.clientID), "presence propagated");
  }

  close(): Promise<CloseInfo> {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
    return this.closed;
  }

  #onMessage(data: string | ArrayBuffer): void {
    if (typeof data === "string") {
      this.texts.push(data);
      return;
    }
    const decoder = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(decoder);
    if (type === 0) {
      const enc = encoding.createEncoder();
      encoding.writeVarUint(enc, 0);
      const sub = syncProtocol.readSyncMessage(decoder, enc, this.doc, REMOTE);
      if (sub !== 0) this.updatesReceived++;
      if (sub === 1) this.syncedOnce = true;
      if (encoding.length(enc) > 1) this.send(encoding.toUint8Array(enc));
    } else if (type === 1) {
      this.awarenessReceived++;
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), REMOTE);
    } else if (type === 2) {
      decoding.readVarUint(decoder);
      this.denied.push(decoding.readVarString(decoder));
    }
  }
}
