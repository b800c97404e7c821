// roomkit/streams as the benchmark serves it: the default StreamRoom under /v1/stream/.
import { party } from "../../src/index.js";
import { StreamRoom, streams } from "../../src/streams/index.js";

export class Feed extends StreamRoom {}
export const Streams = party(Feed, { binding: "STREAMS" });
const serve = streams({ party: Streams });

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    return (await serve(request, env, ctx)) ?? new Response("Not found", { status: 404 });
  },
};
