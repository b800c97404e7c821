// The feed: a durable stream of chat messages (JSON). roomkit/streams does the
// protocol (offsets, catch-up, live tail, idempotent producers); this class
// only says what a message may look like and who may do what.
import { StreamRoom, type AppendInfo, type StreamHooks, type StreamOperation } from "roomkit/streams";

/** One chat message, as stored in the stream. */
export type ChatMessage = { from: string; text: string; at: number };

export function isChatMessage(m: unknown): m is ChatMessage {
  const c = m as ChatMessage;
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.from === "string" &&
    c.from.length >= 1 &&
    c.from.length <= 40 &&
    typeof c.text === "string" &&
    c.text.trim().length >= 1 &&
    c.text.length <= 500 &&
    typeof c.at === "number" &&
    Number.isFinite(c.at)
  );
}

export class Feed extends StreamRoom implements StreamHooks {
  // Browsers may read, create and append; nobody deletes a feed over HTTP.
  authorize(_request: Request, operation: StreamOperation) {
    return operation !== "delete";
  }

  // Runs after the protocol's own checks (valid JSON, producer sequence), before anything is stored.
  validateAppend({ messages }: AppendInfo) {
    if (!messages?.every(isChatMessage)) {
      return new Response("A message is { from: 1–40 characters, text: 1–500 characters, at: a timestamp }.", { status: 422 });
    }
  }
}
