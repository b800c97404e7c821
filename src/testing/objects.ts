/**
 * Finding a room's Durable Object from a test: by party and room name, or
 * by the hex id the clock seam reports (for alarms and game loops).
 * @module
 */
import { env, runInDurableObject } from "cloudflare:test";
import { namespaceOf, partyNames } from "../parties.js";
import type { Monitor } from "./monitor.js";

type Env = Record<string, unknown>;

/** The stub of room `room` of `party`, as the Worker would address it. */
export function stubOf(party: string, room: string): DurableObjectStub {
  const ns = namespaceOf(env as unknown as Env, party);
  return ns.get(ns.idFromName(room));
}

/**
 * The namespaces of the parties `createWorker` registered. (Scanning `env`
 * for anything with an `idFromName` would touch service bindings, whose
 * every property looks like an RPC method.)
 */
function namespaces(): DurableObjectNamespace[] {
  return partyNames().map((party) => namespaceOf(env as unknown as Env, party));
}

/**
 * The stub of the object with hex id `hex`: found by its name in whichever
 * namespace maps that name to that id (so the object keeps knowing its name),
 * or by the id itself when no name is known.
 */
export function stubOfHex(hex: string, monitor: Monitor): DurableObjectStub {
  const name = monitor.names.get(hex);
  for (const ns of namespaces()) {
    if (name !== undefined) {
      const id = ns.idFromName(name);
      if (id.toString() === hex) return ns.get(id);
      continue;
    }
    try {
      return ns.get(ns.idFromString(hex));
    } catch {
      // not this namespace's id
    }
  }
  throw new Error(`roomkit/testing: no Durable Object namespace in env holds the object ${hex}${name ? ` (room "${name}")` : ""}.`);
}

/** What a party instance offers a test inside its own context. */
export type PartyInstance = { alarm(): Promise<void> };

/** Runs `fn` inside the object's context, with its instance and state. */
export function inObject<R>(stub: DurableObjectStub, fn: (instance: PartyInstance, state: DurableObjectState) => R | Promise<R>): Promise<R> {
  return runInDurableObject(stub, fn as never) as Promise<R>;
}
