/**
 * The benchmark worker. URLs:
 *   /raw/<room>                       hand-written Durable Object
 *   /ps/ps/<room>, /ps/y-ps/<room>    partyserver / y-partyserver (routePartykitRequest, prefix "ps")
 *   /parties/<rk-hib|rk-mem|rk-dur|y-rk|y-pk>/<room>   roomkit (createWorker; rk-dur: options.history)
 *   /__bench/<BINDING>/<room>/<stats|abort>     measurement hooks of the Yjs rooms
 *   /__joins?path=<room path>&n=N, /__joins/close   N joins made inside the Worker (profile.mjs --join-loop)
 */
import { routePartykitRequest } from "partyserver";
import { createWorker } from "../../src/index.js";
import { PartyserverRoom } from "./partyserver.js";
import { RawRoom } from "./raw.js";
import { RoomkitDurable, RoomkitHibernating, RoomkitInMemory } from "./roomkit.js";
import { RoomkitYjs, YPartyKitOnRoomkit, YPartyserver } from "./yjs.js";

export { PartyserverRoom, RawRoom, RoomkitDurable, RoomkitHibernating, RoomkitInMemory, RoomkitYjs, YPartyKitOnRoomkit, YPartyserver };

const roomkit = createWorker({
  "rk-hib": RoomkitHibernating,
  "rk-mem": RoomkitInMemory,
  "rk-dur": RoomkitDurable,
  "y-rk": RoomkitYjs,
  "y-pk": YPartyKitOnRoomkit,
});

type Env = Record<string, DurableObjectNamespace>;

/** The sockets of the join loop, open until `/__joins/close`. */
const joined: WebSocket[] = [];

/**
 * `n` WebSocket joins of `path`, one after the other, each a real upgrade
 * request through this Worker's own routing into the room and back (the
 * socket is accepted and kept open): the join path's CPU without any client,
 * handshake parsing or network, so what the implementations add shows alone.
 */
async function joinLoop(url: URL, env: Env, ctx: ExecutionContext): Promise<Response> {
  const path = url.searchParams.get("path");
  const n = Number(url.searchParams.get("n"));
  if (!path?.startsWith("/") || !(Number.isInteger(n) && n > 0)) return new Response("usage: /__joins?path=/raw/room&n=1000", { status: 400 });
  for (let i = 0; i < n; i++) {
    const req = new Request(`http://bench${path}?_pk=c${i}`, {
      headers: { upgrade: "websocket", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" },
    });
    const res = await worker.fetch(req, env, ctx);
    if (!res.webSocket) return new Response(`join ${i} of ${path} was refused: ${res.status} ${await res.text()}`, { status: 500 });
    res.webSocket.accept();
    joined.push(res.webSocket);
  }
  return new Response(`joined ${n}`);
}

const worker = {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const { pathname } = url;
    if (pathname === "/__joins") return joinLoop(url, env, ctx);
    if (pathname === "/__joins/close") {
      for (const ws of joined.splice(0)) ws.close(1000, "done");
      return new Response("closed");
    }
    if (pathname.startsWith("/raw/")) {
      const room = decodeURIComponent(pathname.slice("/raw/".length));
      return env.RAW.get(env.RAW.idFromName(room)).fetch(request);
    }
    if (pathname.startsWith("/ps/")) {
      return (await routePartykitRequest(request, env as never, { prefix: "ps" })) ?? new Response("Not found", { status: 404 });
    }
    if (pathname.startsWith("/__bench/")) {
      const [, , binding, room, op] = pathname.split("/");
      const ns = env[binding];
      if (!ns || !room || !op) return new Response("bad admin path", { status: 400 });
      return ns.get(ns.idFromName(decodeURIComponent(room))).fetch(`https://bench/__bench/${op}`);
    }
    return roomkit.fetch!(request as never, env, ctx);
  },
};

export default worker;
