/**
 * The WebSocket live tail (roomkit extension): a partysocket client
 * subscribes from an offset and appends over the same socket.
 * @module
 */
import type { Connection } from "../types.js";
import type { StreamEngine } from "./engine.js";

export class LiveTail {
  static readonly tag = "stream-tail";
  constructor(private readonly engine: StreamEngine) {}

  async open(conn: Connection, _request: Request): Promise<void> {
    conn.close(1003, "Not implemented yet");
  }

  async message(_conn: Connection, _message: string | ArrayBuffer | ArrayBufferView): Promise<void> {}
}
