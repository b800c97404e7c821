/**
 * The physical floor: the smallest hand-written Durable Object that does the
 * same work as the framework rooms (hibernatable sockets, broadcast, a storage
 * write per echo). No routing headers, no connection objects, no limits.
 */
import { DurableObject } from "cloudflare:workers";
import { ECHO, BROADCAST } from "./protocol.js";

export class RawRoom extends DurableObject {
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("WebSocket only", { status: 426 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    const kind = message.charCodeAt(0);
    if (kind === BROADCAST) {
      for (const peer of this.ctx.getWebSockets()) {
        try {
          peer.send(message);
        } catch {
          // closing peer
        }
      }
    } else if (kind === ECHO) {
      await this.ctx.storage.put("last", message);
      ws.send(message);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}
