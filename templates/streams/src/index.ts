// The Worker entry: the page comes from ./public (wrangler's assets), the
// streams from /v1/stream/<path>, one Durable Object per stream.
import { party } from "roomkit";
import { streams } from "roomkit/streams";
import { Feed } from "./feed";

/** The Durable Object class behind every stream: bound as STREAMS in wrangler.toml. */
export const Streams = party(Feed, { binding: "STREAMS" });

const serveStreams = streams({ party: Streams }); // prefix /v1/stream/ by default

export default {
  async fetch(request, env, ctx) {
    return (await serveStreams(request, env, ctx)) ?? new Response("Not found", { status: 404 });
  },
} satisfies ExportedHandler<Record<string, unknown>>;
