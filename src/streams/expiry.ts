/**
 * A stream's lifetime: the sliding TTL (`Stream-TTL`, refreshed by every
 * client read and write) and the absolute `Stream-Expires-At`, kept by one
 * alarm timer of the stream's object.
 * @module
 */
import type { Room } from "../types.js";
import type { StreamMeta, StreamStore } from "./store.js";

/** The name of the object's expiry timer. */
export const EXPIRY_TIMER = "stream-expiry";

/**
 * When the stream expires (epoch ms), `Infinity` when it never does.
 *
 * @example
 * if (expiryOf(meta) <= Date.now()) remove(meta);
 */
export function expiryOf(meta: StreamMeta): number {
  const ttlAt = meta.ttl === null ? Infinity : meta.lastAccess + meta.ttl * 1000;
  return Math.min(ttlAt, meta.expiresAt ?? Infinity);
}

/**
 * Resets the sliding TTL: reads and writes that reach the object keep the stream alive.
 *
 * @example
 * meta = touch(store, meta);
 */
export function touch(store: StreamStore, meta: StreamMeta): StreamMeta {
  if (meta.ttl === null) return meta;
  const next = { ...meta, lastAccess: Date.now() };
  store.saveMeta(next);
  return next;
}

/**
 * Sets the expiry timer for when `meta` runs out (nothing for a stream that never does).
 *
 * @example
 * await scheduleExpiry(room, meta);
 */
export async function scheduleExpiry(room: Room, meta: StreamMeta): Promise<void> {
  const at = expiryOf(meta);
  if (at !== Infinity) await room.schedule(new Date(at), EXPIRY_TIMER);
}
