/**
 * Idempotent producers (§5.2.1): the `Producer-Id`, `Producer-Epoch` and
 * `Producer-Seq` headers, and the checks that make a retried append stored
 * once, fence off a stale epoch and refuse a sequence gap.
 * @module
 */
import { H, formatOffset, parseSafeInt } from "./protocol.js";
import { problem, streamResponse } from "./responses.js";

/** An append's producer, as its headers name it. */
export type Producer = { id: string; epoch: number; seq: number };

/** What the stream remembers of a producer. */
export type ProducerState = { epoch: number; seq: number };

/**
 * The producer headers (all three or none); a reason string when they are malformed.
 *
 * @example
 * const producer = parseProducer(request.headers);
 * if (typeof producer === "string") return problem(400, producer);
 */
export function parseProducer(h: Headers): Producer | null | string {
  const id = h.get(H.producerId);
  const epoch = h.get(H.producerEpoch);
  const seq = h.get(H.producerSeq);
  if (id === null && epoch === null && seq === null) return null;
  if (id === null || epoch === null || seq === null) return "Producer-Id, Producer-Epoch and Producer-Seq must be sent together.";
  if (id.trim() === "") return "Producer-Id must not be empty.";
  const e = parseSafeInt(epoch.trim());
  const s = parseSafeInt(seq.trim());
  if (e === null) return "Producer-Epoch must be an integer from 0 to 2^53-1.";
  if (s === null) return "Producer-Seq must be an integer from 0 to 2^53-1.";
  return { id, epoch: e, seq: s };
}

/**
 * The append that closed a stream, as `StreamMeta.closedBy` keeps it: a retry
 * of that very append answers 204 instead of 409.
 *
 * @example
 * if (producer && meta.closedBy === producerKey(producer)) return streamResponse(204, headers);
 */
export function producerKey(producer: Producer): string {
  return `${producer.id}|${producer.epoch}|${producer.seq}`;
}

/**
 * A producer whose epoch is older than the stream's is fenced off (403); checked before anything else.
 *
 * @example
 * const stale = staleEpoch(producer, store.producer(producer.id));
 * if (stale) return stale;
 */
export function staleEpoch(producer: Producer, state: ProducerState | undefined): Response | undefined {
  if (state && producer.epoch < state.epoch) {
    return problem(403, `Producer epoch ${producer.epoch} is stale; the current epoch is ${state.epoch}.`, { [H.producerEpoch]: String(state.epoch) });
  }
  return undefined;
}

/**
 * The sequence check: a new epoch starts at 0, a sequence already stored
 * answers 204 with the stored state (the retry is not stored again), a gap
 * answers 409 with the expected number. Undefined when the append is the next one.
 *
 * @example
 * const answer = sequenceVerdict(producer, state, meta.tail);
 * if (answer) return answer;
 */
export function sequenceVerdict(producer: Producer, state: ProducerState | undefined, tail: number): Response | undefined {
  const newEpoch = !state || producer.epoch > state.epoch;
  if (newEpoch && producer.seq !== 0) {
    if (state) return problem(400, `A new producer epoch must start at Producer-Seq 0, got ${producer.seq}.`);
    return problem(409, `Producer sequence gap: expected 0, received ${producer.seq}.`, {
      [H.producerExpectedSeq]: "0",
      [H.producerReceivedSeq]: String(producer.seq),
    });
  }
  if (!newEpoch && producer.seq <= state!.seq) {
    return streamResponse(204, { [H.nextOffset]: formatOffset(tail), [H.producerEpoch]: String(state!.epoch), [H.producerSeq]: String(state!.seq) });
  }
  if (!newEpoch && producer.seq > state!.seq + 1) {
    return problem(409, `Producer sequence gap: expected ${state!.seq + 1}, received ${producer.seq}.`, {
      [H.producerExpectedSeq]: String(state!.seq + 1),
      [H.producerReceivedSeq]: String(producer.seq),
    });
  }
  return undefined;
}
