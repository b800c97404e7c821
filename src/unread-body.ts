/**
 * Reading to its end a request body that nobody read, before the answer goes out.
 *
 * Why: an unread body left on the original request is discarded by the runtime
 * itself, but a body that has been moved (into the copy an edge hook gets) or
 * piped (into a Durable Object's request) is cancelled when left unread, and
 * workerd then drops the client's connection instead of answering on it.
 * `wrangler dev` turns that drop into 503 "Your worker restarted mid-request",
 * retries GETs with a used body (500 with a stack trace) and logs "Can't read
 * from request stream after response has been sent" (docs/limits.md,
 * "Request bodies roomkit does not read"). Reading the rest keeps the refusal
 * a refusal. So this must never be replaced by `request.body.cancel()`: a
 * cancel is exactly what causes the drop.
 * @module
 */

/** Largest unread body drained before answering; beyond it the body is cancelled (the platform's own limit is 100 MB). */
export const MAX_DRAINED_BODY_BYTES = 100 * 1024 * 1024;

/**
 * Reads and drops whatever is left of `request`'s body, if nothing read or
 * locked it. Never throws: a client that went away has nothing left to drain.
 *
 * @example
 * const res = await room.onRequest(request);
 * await drainUnreadBody(request); // before the response leaves
 * return res;
 */
export async function drainUnreadBody(request: Request): Promise<void> {
  const body = request.body;
  if (!body || request.bodyUsed || body.locked) return;
  let seen = 0;
  try {
    await body.pipeTo(
      new WritableStream<Uint8Array>({
        write(chunk) {
          seen += chunk.byteLength;
          if (seen > MAX_DRAINED_BODY_BYTES) throw new RangeError("request body over the drain limit");
        },
      }),
    );
  } catch {
    // Over the limit (pipeTo cancels the rest) or the client hung up: either way there is nothing more to read.
  }
}
