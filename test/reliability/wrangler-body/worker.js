// No roomkit: refuses every request without reading its body, in the ways ?mode= names.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  async fetch(request) {
    if (new URL(request.url).searchParams.get("mode") === "object-drains") await request.body?.pipeTo(new WritableStream());
    return new Response("refused by the object", { status: 400 });
  }
}

export default {
  async fetch(request, env) {
    const mode = new URL(request.url).searchParams.get("mode");
    if (mode === "cancel") await request.body?.cancel();
    if (mode === "copy") new Request(request); // what handing a hook a mutable copy does to the body
    if (mode === "copy-drains") await new Request(request).body?.pipeTo(new WritableStream());
    if (mode?.startsWith("object")) return env.ROOM.get(env.ROOM.idFromName("r")).fetch(request);
    return new Response("refused", { status: 400 });
  },
};
