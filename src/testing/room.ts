/**
 * `TestRoom`: one room of one party, seen from a test — connect clients
 * through the Worker, call it over HTTP, evict or restart it, and look
 * inside (storage, pending timers, connections, how many times it started).
 * @module
 */
import { SELF, evictDurableObject } from "cloudflare:test";
import { ROOM_OF } from "../party.js";
import { hooksOf } from "../room-hooks.js";
import { USER_ALARM } from "../scheduler.js";
import type { Room } from "../types.js";
import type { Monitor } from "./monitor.js";
import { inObject, stubOf } from "./objects.js";
import { connect, type FetcherLike, type TestSocket } from "./socket.js";

/** How a test client connects. */
export type ConnectOptions = {
  /** The connection id (`_pk`); default: a new random id, as partysocket does. */
  id?: string;
  /** Query parameters (e.g. a token for `onBeforeConnect`). */
  query?: Record<string, string> | string;
  /** Request headers (e.g. `authorization`, `cookie`, `origin`). */
  headers?: HeadersInit;
};

/** A timer waiting in a room. */
export type PendingTimer = {
  /** The name given to `room.schedule` / `room.every`; `"onAlarm"` for the user's `storage.setAlarm`; `roomkit:…` for Flushers and other helpers. */
  name: string;
  kind: "timer" | "alarm" | "roomkit";
  /** When it fires (epoch ms). */
  at: number;
  /** Milliseconds from now (as the room's clock reads it) until it fires. */
  in: number;
  /** The interval of a repeating timer, else `null`. */
  every: number | null;
  payload: unknown;
  /** Failed attempts so far (a failing timer is retried with backoff). */
  attempt: number;
};

/** An open connection, as the room sees it. */
export type ConnectionInfo = { id: string; tags: readonly string[]; state: unknown; uri: string };

type TimerRow = { name: string; at: number; every: number | null; payload: string | null; attempt: number };

/**
 * One room of one party. Get it from `rooms.get(party, id)`.
 *
 * @example
 * const room = rooms.get("main", "lobby");
 * const [alice, bob] = await room.connectMany(2);
 * await room.evict();                       // hibernate: sockets stay open
 * alice.send("hi");
 * expect(room.starts).toBe(2);              // onStart ran again after the wake
 * expect(await room.timers()).toMatchObject([{ name: "tick", in: 30_000 }]);
 */
export class TestRoom {
  constructor(
    readonly party: string,
    readonly id: string,
    private readonly monitor: Monitor,
    private readonly opened: Set<TestSocket>,
    private readonly fetcher: FetcherLike = SELF,
  ) {}

  /** The room's Durable Object stub (for `cloudflare:test` helpers). */
  get stub(): DurableObjectStub {
    const stub = stubOf(this.party, this.id);
    this.monitor.names.set(stub.id.toString(), this.id); // so advance() finds this room again
    return stub;
  }

  /** The room's path: `/parties/<party>/<id>`. */
  get path(): string {
    return `/parties/${encodeURIComponent(this.party)}/${encodeURIComponent(this.id)}`;
  }

  /** How many times the room's `onStart` completed: 1 after the first use, one more after each wake from eviction or restart. */
  get starts(): number {
    return this.monitor.starts.get(this.stub.id.toString()) ?? 0;
  }

  /**
   * Opens a client WebSocket through the Worker (its `onBeforeConnect` runs).
   * Rejects with `ConnectionRefused` (`status`, `body`) if not upgraded.
   */
  async connect(options: ConnectOptions = {}): Promise<TestSocket> {
    const params = new URLSearchParams(options.query);
    if (options.id !== undefined) params.set("_pk", options.id);
    const query = params.toString();
    const socket = await connect(this.fetcher, `${this.path}${query ? `?${query}` : ""}`, { headers: options.headers });
    this.opened.add(socket);
    void socket.closed.then(() => this.opened.delete(socket));
    return socket;
  }

  /** Opens `n` clients one after the other; `options(i)` can vary id, query and headers per client. */
  async connectMany(n: number, options: ConnectOptions | ((i: number) => ConnectOptions) = {}): Promise<TestSocket[]> {
    const sockets: TestSocket[] = [];
    for (let i = 0; i < n; i++) sockets.push(await this.connect(typeof options === "function" ? options(i) : options));
    return sockets;
  }

  /** An HTTP request to the room through the Worker (`onBeforeRequest`, then `onRequest`); `path` is appended to the room's. */
  fetch(path = "", init?: RequestInit): Promise<Response> {
    return this.fetcher.fetch(new URL(this.path + path, "http://localhost").toString(), init);
  }

  /**
   * Evicts the room from memory as the platform does when it hibernates:
   * hibernating sockets stay open, the next event builds a new instance
   * (so `onStart` runs again). A room not in memory is left as it is.
   */
  async evict(): Promise<void> {
    await this.#evict("hibernate");
  }

  /** Restarts the room: the instance is gone and its sockets are closed; storage is kept (a deploy or a crash). */
  async restart(): Promise<void> {
    // Evicting an object that holds in-memory (non-hibernating) sockets can hang the test runtime, and a
    // later connection to the room never completes; aborting the instance is what a crash does anyway.
    if (await this.#holdsInMemorySockets()) await this.#abort();
    else await this.#evict("close");
  }

  async #holdsInMemorySockets(): Promise<boolean> {
    return this.run((state, room) => [...room.getConnections()].length > state.getWebSockets().length).catch(() => false);
  }

  async #abort(): Promise<void> {
    this.monitor.dropOwner(this.stub.id.toString());
    await inObject(this.stub, (_instance, state) => state.abort("roomkit/testing: restart")).catch(() => {
      // abort() rejects the call that made it: that is the restart.
    });
  }

  async #evict(webSockets: "hibernate" | "close"): Promise<void> {
    const stub = this.stub;
    this.monitor.dropOwner(stub.id.toString());
    try {
      await evictDurableObject(stub, { webSockets });
    } catch (e) {
      if (!/not (currently )?running/i.test(String((e as Error)?.message))) throw e; // already out of memory
    }
  }

  /** Runs `fn` inside the room's Durable Object (wakes it if evicted, without running `onStart`). */
  run<R>(fn: (state: DurableObjectState, room: Room) => R | Promise<R>): Promise<R> {
    return inObject(this.stub, (instance, state) => fn(state, (instance as unknown as { [ROOM_OF]: Room })[ROOM_OF]));
  }

  /** The room's key-value storage, as an object. */
  async storage(): Promise<Record<string, unknown>> {
    return this.run(async (state) => Object.fromEntries(await state.storage.list()));
  }

  /**
   * The room's pending timers (named, repeating, `setAlarm`, Flushers, and
   * the wake-ups of the room instance in memory, e.g. `YRoom`'s compaction),
   * soonest first.
   */
  async timers(): Promise<PendingTimer[]> {
    const rows = await this.run((state, room) => {
      let stored: TimerRow[] = [];
      try {
        stored = [...state.storage.sql.exec<TimerRow>("SELECT name, at, every, payload, attempt FROM _roomkit_timers")];
      } catch {
        // no timer was ever set
      }
      const wakes = (room && hooksOf(room)?.timers.wakes()) ?? [];
      const all = [...stored, ...wakes.map((w) => ({ ...w, every: null, payload: null, attempt: 0 }))];
      return all.sort((a, b) => a.at - b.at || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
    const now = this.monitor.now();
    return rows.map((r) => ({
      name: r.name === USER_ALARM ? "onAlarm" : r.name,
      kind: r.name === USER_ALARM ? "alarm" : r.name.startsWith("roomkit:") ? "roomkit" : "timer",
      at: r.at,
      in: r.at - now,
      every: r.every,
      payload: r.payload === null ? undefined : JSON.parse(r.payload),
      attempt: r.attempt,
    }));
  }

  /** The room's open connections with their ids, tags and state. */
  async connections(): Promise<ConnectionInfo[]> {
    return this.run((_, room) => [...room.getConnections()].map((c) => ({ id: c.id, tags: [...c.tags], state: c.state, uri: c.uri })));
  }
}
