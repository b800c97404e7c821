/**
 * The benchmark worker. URLs:
 *   /raw/<room>                       hand-written Durable Object
 *   /ps/ps/<room>, /ps/y-ps/<room>    partyserver / y-partyserver (routePartykitRequest, prefix "ps")
 *   /parties/<rk-hib|rk-mem|rk-dur|y-rk|y-pk>/<room>   roomkit (createWorker; rk-dur: options.history)
 *   /__bench/<BINDING>/<room>/<stats|abort>     measurement hooks of the Yjs rooms
 *   /__joins?path=<room path>&n=N     N joins made inside the Worker, then their closes (profile.mjs --join-loop)
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

/**
 * `n` WebSocket joins of `path`, one after the other, each a real upgrade
 * request through this Worker's own routing into the room and back, then the
 * close of every socket, answered by the room: the join path's CPU without
 * any client, handshake parsing or network, so what the implementations add
 * shows alone. The sockets are closed inside this same request: a socket is
 * an I/O object of the request that opened it, and no other request may
 * close it (the room would keep every one of them open).
 */
async function joinLoop(url: URL, env: Env, ctx: ExecutionContext): Promise<Response> {
  const path = url.searchParams.get("path");
  const n = Number(url.searchParams.get("n"));
  if (!path?.startsWith("/") || !(Number.isInteger(n) && n > 0)) return new Response("usage: /__joins?path=/raw/room&n=1000", { status: 400 });
  const joined: WebSocket[] = [];
  // Listened to from the accept on: a room that refuses a join closes its socket at once.
  const answered: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const req = new Request(`http://bench${path}?_pk=c${i}`, {
      headers: { upgrade: "websocket", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" },
    });
    const res = await worker.fetch(req, env, ctx);
    if (!res.webSocket) return new Response(`join ${i} of ${path} was refused: ${res.status} ${await res.text()}`, { status: 500 });
    const ws = res.webSocket;
    answered.push(new Promise<void>((resolve) => ws.addEventListener("close", () => resolve(), { once: true })));
    ws.accept();
    joined.push(ws);
  }
  for (const ws of joined) ws.close(1000, "done");
  let timer: ReturnType<typeof setTimeout> | null = null;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), 10_000);
  });
  const outcome = await Promise.race([Promise.all(answered), late]);
  clearTimeout(timer);
  if (outcome === "late") return new Response(`the room of ${path} did not answer the closes of its ${n} sockets within 10 s`, { status: 500 });
  return new Response(`joined and closed ${n}`);
}

const worker = {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const { pathname } = url;
    if (pathname === "/__joins") return joinLoop(url, env, ctx);
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
