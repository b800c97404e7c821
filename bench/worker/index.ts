/**
 * The benchmark worker. URLs:
 *   /raw/<room>                       hand-written Durable Object
 *   /ps/ps/<room>, /ps/y-ps/<room>    partyserver / y-partyserver (routePartykitRequest, prefix "ps")
 *   /parties/<rk-hib|rk-mem|rk-dur|y-rk|y-pk>/<room>   roomkit (createWorker; rk-dur: options.history)
 *   /__bench/<BINDING>/<room>/<stats|abort>     measurement hooks of the Yjs rooms
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

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
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
