/**
 * What a `StreamRoom` subclass may decide: the operations it is asked about,
 * its optional `authorize` and `validateAppend` hooks, and how a verdict
 * becomes an answer.
 * @module
 */
import { problem } from "./responses.js";

/** What a stream operation is, for `authorize`. */
export type StreamOperation = "create" | "append" | "read" | "head" | "delete" | "subscribe";

/** Optional hooks a `StreamRoom` subclass may define. */
export type StreamHooks = {
  /**
   * Whether `request` may perform `operation`: `false` answers 403, a `Response`
   * answers with it, anything else allows. Runs in the stream's object, after
   * the class's static `onBeforeRequest` / `onBeforeConnect` edge hooks.
   */
  authorize?(request: Request, operation: StreamOperation): boolean | Response | void | Promise<boolean | Response | void>;
  /** Inspects an append after the protocol's checks, before it is stored: return a `Response` (e.g. 422) to refuse it. */
  validateAppend?(append: AppendInfo): Response | void | Promise<Response | void>;
};

/** An append about to be stored, as `validateAppend` sees it. */
export type AppendInfo = {
  request: Request;
  /** JSON streams: the messages as parsed values; other streams: the body. */
  messages: unknown[] | null;
  bytes: Uint8Array;
  producer: { id: string; epoch: number; seq: number } | null;
  closes: boolean;
};

/**
 * The operation an HTTP method performs on a stream; undefined for a method
 * the protocol does not have (→ 405).
 *
 * @example
 * operationOf("PUT") // "create"
 */
export function operationOf(method: string): StreamOperation | undefined {
  switch (method) {
    case "PUT":
      return "create";
    case "POST":
      return "append";
    case "DELETE":
      return "delete";
    case "HEAD":
      return "head";
    case "GET":
      return "read";
  }
  return undefined;
}

/**
 * Asks the `authorize` hook: the refusal to answer with, or undefined when
 * the operation is allowed (also when there is no hook).
 *
 * @example
 * const denied = await authorize(hooks, request, "append");
 * if (denied) return denied;
 */
export async function authorize(hooks: StreamHooks, request: Request, op: StreamOperation): Promise<Response | undefined> {
  if (!hooks.authorize) return undefined;
  const verdict = await hooks.authorize(request, op);
  if (verdict instanceof Response) return verdict;
  if (verdict === false) return problem(403, `Not allowed to ${op} this stream.`);
  return undefined;
}
