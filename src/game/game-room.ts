/**
 * `GameRoom`: an authoritative game room. The room owns the game state and
 * advances it with a fixed-timestep loop from the players' inputs; clients
 * only send inputs and render what the room tells them.
 *
 * Lifecycle, in one paragraph: the loop starts when a player connects and
 * stops when no player is connected, so an empty room holds no timer and its
 * Durable Object can hibernate or be evicted. The state, the seats and the
 * input acks are written to storage whenever a seat changes, every
 * `saveEveryMs` while the loop runs (through roomkit's persisted timers) and
 * when the loop stops; `onStart` reads them back, so a room that wakes up
 * resumes where it was saved. Seats of players whose connection dropped are
 * kept for `reconnectGraceMs` by a persisted timer, which fires even if the
 * room was evicted meanwhile.
 *
 * Where things are: this module holds the author's contract (the hooks a
 * game implements, the helpers it calls) and the orchestration — which hook
 * runs at each seat transition, when the loop starts and stops. The pieces
 * live beside it, one concept each: seats and the grace period in
 * `seating.ts` (the table in `seats.ts`, the timer in `grace.ts`), what is
 * sent to many members in `fan-out.ts` (patches computed by `sync.ts`),
 * storage in `persistence.ts`, reading client frames in `messages.ts`, the
 * fixed-step loop in `loop.ts`, input queues in `inputs.ts`.
 *
 * Why this module is over 400 lines: about 150 of them document the hooks a
 * game author implements and the helpers they call, and the rest is the
 * orchestration that calls those hooks with the room's private state (moving
 * it out would expose that state to another module through an internal API).
 * @module
 */
import { closeQuietly, logError } from "../errors.js";
import { RateLimiter } from "../limits.js";
import { requireHooks } from "../room-hooks.js";
import type { Connection, ConnectionContext, Request as PartyRequest, Room, ServerOptions } from "../types.js";
import { roomClock, type Clock } from "./clock.js";
import { now as clockNow } from "../clock.js";
import { FanOut } from "./fan-out.js";
import { InputQueues, type PlayerInput } from "./inputs.js";
import { LobbyReporter } from "./lobby-reporter.js";
import type { RoomReport } from "./matchmaking.js";
import { FixedStepLoop } from "./loop.js";
import { readClientMessage, readInput, ThrottleNotices } from "./messages.js";
import { snapshot, type JsonValue } from "./patch.js";
import { GAME_STORAGE_KEY, GameSaver, loadGame, type SavedGame } from "./persistence.js";
import { GameCloseCode, type ControlMessage, type LeaveReason, type Role, type WelcomeMessage } from "./protocol.js";
import { resolveOptions, type GameRoomOptions, type ResolvedOptions } from "./options.js";
import type { GameRoomStats, JoinInfo, StepContext } from "./room-types.js";
import { newSeed, seededRandom } from "./random.js";
import { Seating } from "./seating.js";
import { InputError } from "./validate.js";
import { invalid, mark, memberState, members, refuse, spectatorCount, type GameConnectionState, type MemberState } from "./members.js";
import { randomId } from "../random-id.js";
import { sendQuietly } from "../sockets.js";

/**
 * An authoritative game room. Extend it with your game's state `S`, input
 * `I` and (optionally) per-player view `V`, then export it with `party()`.
 *
 * Subclasses that override a `Party.Server` hook (`onStart`, `onConnect`,
 * `onMessage`, `onClose`, `onRequest`) must call the `super` method.
 *
 * @example
 * ```ts
 * type State = { players: Record<string, { x: number; y: number }> };
 * type Input = { dx: number; dy: number };
 *
 * export class Arena extends GameRoom<State, Input> {
 *   constructor(room: Party.Room) { super(room, { tickRate: 30, maxPlayers: 4 }); }
 *   initialState(): State { return { players: {} }; }
 *   parseInput(raw: unknown): Input {
 *     const o = obj(raw);
 *     return { dx: num(o.dx, "dx", { min: -1, max: 1 }), dy: num(o.dy, "dy", { min: -1, max: 1 }) };
 *   }
 *   onJoin(state: State, p: JoinInfo) { state.players[p.id] = { x: 0, y: 0 }; }
 *   onLeave(state: State, id: string) { delete state.players[id]; }
 *   step(state: State, inputs: readonly PlayerInput<Input>[], dt: number) {
 *     for (const { playerId, input } of inputs) {
 *       const p = state.players[playerId]!;
 *       p.x += input.dx * 200 * dt;
 *       p.y += input.dy * 200 * dt;
 *     }
 *   }
 * }
 * ```
 */
export abstract class GameRoom<S, I, V = S> {
  /**
   * Game rooms hibernate when their loop is stopped (no player connected).
   * Frames are small; the party-wide rate limit is a hard ceiling far above
   * `inputRate`, which is the budget a well-behaved client lives within.
   */
  static options: ServerOptions = { hibernate: true, limits: { maxMessageBytes: 4096, messagesPerSecond: 240, burst: 480 } };

  /** The state a new room starts with. */
  abstract initialState(): S;

  /**
   * Turns what a client sent as an input into a trusted `I`, or throws an
   * {@link InputError} whose message is sent back to that client. Check types,
   * ranges and finiteness (`1e999` parses as `Infinity`), and refuse unknown
   * actions and fields.
   */
  abstract parseInput(raw: unknown, playerId: string): I;

  /**
   * Advances the simulation by one tick of `dt` seconds. Must be
   * deterministic: use only `state`, `inputs`, `dt` and `ctx` (`ctx.random`
   * rather than `Math.random`, the tick rather than the clock). Mutate
   * `state` and return nothing, or return the next state.
   */
  abstract step(state: S, inputs: readonly PlayerInput<I>[], dt: number, ctx: StepContext): S | void;

  /**
   * A player takes a seat: add them to the state. Throw an `InputError` to
   * refuse them (close code 4004 with its message). Not called when a player
   * reconnects within the grace period: their seat and state are kept.
   */
  onJoin?(state: S, player: JoinInfo): S | void;

  /** A seat is freed (the player left, timed out, or was removed): take them out of the state. */
  onLeave?(state: S, playerId: string, reason: LeaveReason): S | void;

  /**
   * What `viewer` may see (`null` for spectators). Define it to hide
   * information (fog of war, other players' hands) or to trim the state;
   * without it everyone is sent the whole state.
   */
  view?(state: S, viewer: string | null): V;

  /** Whether new players may take a seat (reconnecting players always may). Default: always. */
  acceptingPlayers?(state: S): boolean;

  /** Something small the lobby shows about this room (a map name, the top score). */
  lobbyInfo?(state: S): JsonValue;

  /**
   * Messages `{"type": ...}` other than the room's own (`leave`, `ping`).
   * Without this hook they are answered with `invalid`. Change the state with
   * {@link update}.
   */
  onCustomMessage?(message: { type: string } & Record<string, unknown>, sender: Connection, player: { id: string; role: Role }): void | Promise<void>;

  readonly #options: ResolvedOptions;
  readonly #clock: Clock;
  readonly #loop: FixedStepLoop;
  readonly #inputs: InputQueues<I>;
  readonly #fanOut: FanOut;
  readonly #rate: RateLimiter;
  readonly #throttleNotices = new ThrottleNotices();
  readonly #saver: GameSaver;
  readonly #seating: Seating;
  #reporter: LobbyReporter | undefined;
  #state!: S;
  #tick = 0;
  #seed = 0;
  #nextPatchAt = 0;
  #lastLobbyReport = 0;
  #started = false;
  #stepErrors = 0;
  #lastStepErrorLog = -Infinity;

  constructor(
    readonly room: Room,
    options: GameRoomOptions = {},
  ) {
    const hooks = requireHooks(room, "GameRoom");
    this.#options = resolveOptions(options);
    this.#clock = options.clock ?? roomClock(room.internalID);
    this.#inputs = new InputQueues(this.#options.maxQueuedInputs, this.#options.maxInputsPerTick);
    this.#rate = new RateLimiter(this.#options.inputRate.perSecond, this.#options.inputRate.burst);
    // Methods, not arrows: see "Per-room objects" in README.md.
    const game = this;
    this.#loop = new FixedStepLoop({
      stepMs: 1000 / this.#options.tickRate,
      maxStepsPerFrame: this.#options.maxStepsPerFrame,
      step() {
        game.#step();
      },
      afterFrame(steps) {
        game.#afterFrame(steps);
      },
    });
    this.#fanOut = new FanOut(
      room,
      (player) => this.#inputs.ack(player),
      () => this.#where(),
    );
    this.#saver = new GameSaver(
      room,
      this.#options.saveEveryMs,
      () => this.#persist(),
      () => this.#where(),
    );
    this.#seating = new Seating(room, this.#inputs as InputQueues<unknown>, this.#fanOut, this.#options.reconnectGraceMs, () => this.#expireSeats());
    hooks.onStorageReset(() => this.#storageReset());
  }

  // ─── What subclasses and tests can read and do ──────────────────────────

  /** The current state. Change it in `step`, `onJoin`, `onLeave` or through {@link update}. */
  get state(): S {
    return this.#state;
  }

  /** The last simulated tick. */
  get tick(): number {
    return this.#tick;
  }

  /** Whether the loop is running (some player is connected). */
  get running(): boolean {
    return this.#loop.running;
  }

  /** Seat holders in join order. */
  get players(): { id: string; connected: boolean }[] {
    return this.#seating.table.all().map((s) => ({ id: s.id, connected: s.connected }));
  }

  /** The options in effect (defaults filled in). */
  get settings(): Readonly<ResolvedOptions> {
    return this.#options;
  }

  /**
   * Changes the state outside a tick (e.g. from `onCustomMessage`). The change
   * reaches clients with the next patch — right away if the loop is stopped —
   * and is saved with the next save.
   */
  update(change: (state: S) => S | void): void {
    const next = change(this.#state);
    if (next !== undefined) this.#state = next;
    this.#saver.arm();
    if (!this.running) this.#sendPatches();
  }

  /** Sends `event` to one player (by public id), or to every connection when `to` is null. */
  sendEvent(to: string | null, event: JsonValue): void {
    this.#fanOut.sendEvent(to, event);
  }

  /** Frees a player's seat now (no grace period) and closes their connection with `reason`. */
  async removePlayer(playerId: string, reason = "Removed from the game."): Promise<void> {
    const seat = this.#seating.table.byId(playerId);
    if (!seat) return;
    for (const conn of members(this.room)) {
      if (conn.state.role === "player" && conn.state.player === playerId) {
        mark(conn, { role: "refused", player: playerId });
        closeQuietly(conn, GameCloseCode.NoSeat, reason);
      }
    }
    await this.#freeSeat(seat.key, "removed");
  }

  /** Counters for tests and dashboards. */
  stats(): GameRoomStats {
    return {
      tick: this.#tick,
      running: this.running,
      steps: this.#loop.steps,
      droppedMs: this.#loop.droppedMs,
      spectators: spectatorCount(this.room),
      ...this.#fanOut.counters,
      stepErrors: this.#stepErrors,
      players: this.#seating.table.all().map((s) => ({ id: s.id, connected: s.connected, awaySince: s.awaySince, ...this.#inputs.stats(s.id) })),
    };
  }

  /** Sends this room's entry to the lobby now (it is also sent on every seat change and periodically). */
  reportToLobby(): void {
    if (!this.#options.lobby) return;
    this.#reporter ??= new LobbyReporter(this.room, this.#options.lobby);
    this.#lastLobbyReport = clockNow();
    if (this.#seating.table.size === 0) {
      this.#reporter.send(null);
      return;
    }
    let info: JsonValue = null;
    try {
      info = this.lobbyInfo ? snapshot(this.lobbyInfo(this.#state)) : null;
    } catch (e) {
      logError(`${this.#where()} lobbyInfo`, e);
    }
    const report: RoomReport = {
      party: this.room.name,
      players: this.#seating.table.size,
      connected: this.#seating.table.connectedCount,
      spectators: spectatorCount(this.room),
      maxPlayers: this.#options.maxPlayers,
      open: this.#accepting() && this.#seating.table.size < this.#options.maxPlayers,
      info,
    };
    this.#reporter.send(report);
  }

  // ─── Party.Server hooks ──────────────────────────────────────────────────

  async onStart(): Promise<void> {
    const saved = await loadGame<S>(this.room.storage);
    if (saved) {
      this.#state = saved.state;
      this.#tick = saved.tick;
      this.#seed = saved.seed;
      this.#seating.restore(saved.seats);
    } else {
      this.#state = this.initialState();
      this.#seed = newSeed();
    }
    const changed = this.#seating.reconcile(clockNow());
    if (changed) await this.#saver.now();
    // Every start, not only after a change: a grace timer lost with the previous instance
    // (a failed arm, storage.deleteAll()) must not leave away seats held forever.
    if (this.#seating.table.size > 0) await this.#seating.scheduleGrace();
    this.#started = true;
    this.#ensureLoop();
  }

  async onConnect(conn: Connection, ctx: ConnectionContext): Promise<void> {
    const url = new URL(ctx.request.url);
    const spectate = url.searchParams.get("spectate");
    if (spectate !== null && spectate !== "0" && spectate !== "false") return this.#admitSpectator(conn);

    let seat = this.#seating.reclaim(conn);
    const reconnected = seat !== undefined;
    if (!seat) {
      if (this.#seating.table.size >= this.#options.maxPlayers) {
        return refuse(conn, GameCloseCode.RoomFull, `Room is full: all ${this.#options.maxPlayers} seats are taken.`);
      }
      if (!this.#accepting()) return refuse(conn, GameCloseCode.JoinRefused, "This room is not accepting new players.");
      const id = this.newPlayerId();
      try {
        const next = this.onJoin?.(this.#state, { id, params: url.searchParams, request: ctx.request as PartyRequest });
        if (next !== undefined) this.#state = next;
      } catch (e) {
        if (e instanceof InputError) return refuse(conn, GameCloseCode.JoinRefused, e.message);
        throw e; // a bug in onJoin: roomkit closes this connection with 1011 and logs it
      }
      seat = this.#seating.take(conn.id, id, clockNow());
    }
    // Everything above is synchronous, so two players can never take the last seat together.
    conn.setState({ role: "player", player: seat.id } satisfies GameConnectionState);
    this.#welcome(conn, "player", seat.id, reconnected);
    this.#ensureLoop();
    await this.#saver.now();
    if (reconnected) await this.#seating.scheduleGrace(); // this seat's grace timer is no longer needed
    this.reportToLobby();
  }

  async onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Connection): Promise<void> {
    const who = memberState(sender);
    if (!who) return; // replaced or refused: on its way out
    if (!this.#rate.take(sender)) return this.#throttle(sender);
    const m = readClientMessage(message);
    switch (m.kind) {
      case "invalid":
        return invalid(sender, m.reason);
      case "input":
        return this.#input(sender, who, m.frame);
      case "leave":
        return this.#leave(sender, who);
      case "ping":
        return sendQuietly(sender, JSON.stringify({ type: "pong", t: m.t, tick: this.#tick } satisfies ControlMessage));
      case "custom":
        if (this.onCustomMessage) return this.onCustomMessage(m.message, sender, { id: who.player, role: who.role });
        return invalid(sender, `Unknown message type "${m.message.type.slice(0, 40)}".`);
    }
  }

  async onClose(conn: Connection): Promise<void> {
    await this.#depart(conn);
  }

  /**
   * A connection is gone: a spectator just leaves; a player's seat is held
   * for the grace period (or freed at once without one). Runs at most once
   * per connection — also when the room itself closed it (a flood) — since
   * afterwards the connection's role is "refused".
   */
  async #depart(conn: Connection): Promise<void> {
    const who = memberState(conn);
    // A replaced or refused socket is not a member: its id may already belong to a newer connection.
    if (!who) return;
    this.#fanOut.forget(conn.id);
    mark(conn, { role: "refused", player: who.player });
    if (who.role === "spectator") {
      this.reportToLobby();
      return;
    }
    const seat = this.#seating.seatOf(conn, who);
    if (!seat || !seat.connected) return;
    this.#inputs.clear(seat.id);
    if (this.#options.reconnectGraceMs <= 0) {
      await this.#freeSeat(seat.key, "left");
      return;
    }
    this.#seating.hold(seat, clockNow());
    this.#stopIfEmpty();
    await this.#saver.now();
    await this.#seating.scheduleGrace();
    this.reportToLobby();
  }

  /** `GET` on the room: its public status (never the seat keys). */
  async onRequest(req: PartyRequest): Promise<Response> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("A game room answers GET with its status.", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    return Response.json(
      {
        room: this.room.id,
        tick: this.#tick,
        running: this.running,
        maxPlayers: this.#options.maxPlayers,
        players: this.players,
        spectators: spectatorCount(this.room),
        open: this.#accepting() && this.#seating.table.size < this.#options.maxPlayers,
      },
      { headers: { "cache-control": "no-store" } },
    );
  }

  /**
   * The public id of a new player. Default: 8 random characters, so the
   * seat key (`_pk`) never appears in the state. Override it to use, say, a
   * verified user id set by `onBeforeConnect`.
   */
  protected newPlayerId(): string {
    let id: string;
    do id = randomId();
    while (this.#seating.table.byId(id));
    return id;
  }

  // ─── The loop ────────────────────────────────────────────────────────────

  #ensureLoop(): void {
    if (this.#loop.running || this.#seating.table.connectedCount === 0) return;
    this.#loop.start(this.#clock);
    this.#nextPatchAt = this.#clock.now() + 1000 / this.#options.patchRate;
  }

  /** Stops the loop if no player is connected; the caller persists afterwards. */
  #stopIfEmpty(): void {
    if (!this.#loop.running || this.#seating.table.connectedCount > 0) return;
    this.#loop.stop();
    this.#sendPatches(); // spectators (if any) see the final state
  }

  #step(): void {
    this.#tick++;
    const seating = this.#seating;
    const ids = seating.table.ids();
    const inputs = this.#inputs.take(ids);
    // Made every tick: a method, not an arrow (see "Per-room objects" in README.md).
    const ctx: StepContext = {
      tick: this.#tick,
      random: seededRandom(this.#seed, this.#tick),
      players: ids,
      connected(id) {
        return seating.table.byId(id)?.connected ?? false;
      },
    };
    try {
      const next = this.step(this.#state, inputs, 1 / this.#options.tickRate, ctx);
      if (next !== undefined) this.#state = next;
    } catch (e) {
      // A throwing step loses this tick's inputs but not the room; the log is
      // rate-limited so a bug that throws every tick does not flood it.
      this.#stepErrors++;
      const now = clockNow();
      if (now - this.#lastStepErrorLog >= 10_000) {
        this.#lastStepErrorLog = now;
        logError(`${this.#where()} step (tick ${this.#tick}; ${this.#stepErrors} failed steps so far)`, e);
      }
    }
  }

  #afterFrame(steps: number): void {
    if (steps > 0) this.#saver.arm();
    const now = this.#clock.now();
    if (now >= this.#nextPatchAt) {
      const every = 1000 / this.#options.patchRate;
      this.#nextPatchAt = Math.max(this.#nextPatchAt + every, now + every / 2);
      this.#sendPatches();
    }
    if (this.#options.lobby && clockNow() - this.#lastLobbyReport >= this.#options.lobbyHeartbeatMs) this.reportToLobby();
  }

  #sendPatches(): void {
    this.#fanOut.sendPatches(this.#tick, (viewer) => this.#viewOf(viewer));
  }

  #viewOf(viewer: string | null): unknown {
    return this.view ? this.view(this.#state, viewer) : this.#state;
  }

  // ─── Seats ───────────────────────────────────────────────────────────────

  #welcome(conn: Connection, role: Role, id: string, reconnected: boolean): void {
    const ack = role === "player" ? this.#inputs.ack(id) : 0;
    const state = snapshot(this.#viewOf(role === "player" ? id : null));
    const welcome: WelcomeMessage = {
      type: "welcome",
      id,
      role,
      reconnected,
      tickRate: this.#options.tickRate,
      patchRate: this.#options.patchRate,
      tick: this.#tick,
      ack,
      state,
      players: this.players,
      maxPlayers: this.#options.maxPlayers,
    };
    this.#fanOut.welcome(conn, welcome);
  }

  #admitSpectator(conn: Connection): void {
    if (spectatorCount(this.room) >= this.#options.maxSpectators) {
      return refuse(conn, GameCloseCode.RoomFull, `Room is full: all ${this.#options.maxSpectators} spectator places are taken.`);
    }
    const id = randomId();
    conn.setState({ role: "spectator", player: id } satisfies GameConnectionState);
    this.#welcome(conn, "spectator", id, false);
    this.reportToLobby();
  }

  #input(sender: Connection, who: MemberState, frame: unknown[]): void {
    if (who.role !== "player") return invalid(sender, "Spectators cannot send inputs.");
    const read = readInput(frame);
    if ("reason" in read) return invalid(sender, read.reason);
    const { seq } = read;
    const seat = this.#seating.seatOf(sender, who);
    if (!seat) {
      mark(sender, { role: "refused" });
      closeQuietly(sender, GameCloseCode.NoSeat, "You no longer have a seat in this room; reconnect to join again.");
      return;
    }
    if (!this.#inputs.isNew(seat.id, seq)) return; // a resend of something already seen
    let input: I;
    try {
      input = this.parseInput(read.input, seat.id);
    } catch (e) {
      this.#inputs.markReceived(seat.id, seq);
      if (!(e instanceof InputError)) logError(`${this.#where()} parseInput`, e);
      return invalid(sender, e instanceof InputError ? e.message : "Invalid input.", seq);
    }
    this.#inputs.push(seat.id, seq, input);
  }

  async #leave(conn: Connection, who: MemberState): Promise<void> {
    mark(conn, { role: "refused", player: who.player });
    closeQuietly(conn, GameCloseCode.Left, "Left the game.");
    this.#fanOut.forget(conn.id);
    if (who.role === "player") {
      const seat = this.#seating.seatOf(conn, who);
      if (seat) await this.#freeSeat(seat.key, "left");
    } else {
      this.reportToLobby();
    }
  }

  async #freeSeat(key: string, reason: LeaveReason): Promise<void> {
    const seat = this.#seating.release(key);
    if (!seat) return;
    try {
      const next = this.onLeave?.(this.#state, seat.id, reason);
      if (next !== undefined) this.#state = next;
    } catch (e) {
      logError(`${this.#where()} onLeave of "${seat.id}"`, e);
    }
    this.#fanOut.tellOthers(key, { type: "left", id: seat.id, reason });
    if (this.running) this.#stopIfEmpty();
    else this.#sendPatches();
    await this.#saver.now();
    await this.#seating.scheduleGrace();
    this.reportToLobby();
  }

  /** The grace timer fired: free every seat whose grace period is over, and re-arm for the next. */
  async #expireSeats(): Promise<void> {
    for (const key of this.#seating.expired(clockNow())) await this.#freeSeat(key, "timeout");
    await this.#seating.scheduleGrace();
  }

  /**
   * `room.storage.deleteAll()` removed the saved game and every timer: the
   * room starts again from `initialState()` with a new seed. Players who are
   * connected keep their seats and join the new state (`onJoin` again, with
   * the query parameters they connected with); seats of players who are away
   * are freed. Everyone is sent the new state in full; the tick keeps counting
   * so clients' ordering holds. Saved at once, and reported to the lobby.
   */
  async #storageReset(): Promise<void> {
    this.#saver.forget();
    if (!this.#started) return; // onStart will find nothing saved and start fresh
    this.#state = this.initialState();
    this.#seed = newSeed();
    for (const seat of this.#seating.table.all()) if (!seat.connected) this.#seating.remove(seat);
    for (const conn of members(this.room)) {
      this.#fanOut.forget(conn.id); // no baseline: the next round sends the full new state
      if (conn.state.role !== "player") continue;
      const seat = this.#seating.seatOf(conn, conn.state);
      if (!seat) continue;
      try {
        const next = this.onJoin?.(this.#state, { id: seat.id, params: new URL(conn.uri).searchParams, request: new Request(conn.uri) as never });
        if (next !== undefined) this.#state = next;
      } catch (e) {
        if (!(e instanceof InputError)) logError(`${this.#where()} onJoin after a storage reset`, e);
        mark(conn, { role: "refused", player: seat.id });
        closeQuietly(conn, GameCloseCode.JoinRefused, e instanceof InputError ? e.message : "Could not rejoin after the room was reset.");
        this.#seating.remove(seat);
      }
    }
    this.#sendPatches();
    this.#stopIfEmpty();
    this.#ensureLoop();
    await this.#saver.now();
    await this.#seating.scheduleGrace();
    this.reportToLobby();
  }

  async #persist(): Promise<void> {
    const saved: SavedGame<S> = { v: 1, tick: this.#tick, seed: this.#seed, state: this.#state, seats: this.#seating.toJSON() };
    await this.room.storage.put(GAME_STORAGE_KEY, saved);
  }

  // ─── Helpers ─────────────────────────────────────────────────────────────

  #accepting(): boolean {
    try {
      return this.acceptingPlayers ? this.acceptingPlayers(this.#state) !== false : true;
    } catch (e) {
      logError(`${this.#where()} acceptingPlayers`, e);
      return false;
    }
  }

  #throttle(conn: Connection): void | Promise<void> {
    const { perSecond, onExceed } = this.#options.inputRate;
    if (onExceed === "close") {
      closeQuietly(conn, GameCloseCode.RateLimited, `Rate limit exceeded: more than ${perSecond} messages per second.`);
      // roomkit did not close it, so roomkit will not run onClose for it: depart here.
      return this.#depart(conn);
    }
    this.#throttleNotices.tell(conn, perSecond, clockNow());
  }

  #where(): string {
    let id = "?";
    try {
      id = this.room.id;
    } catch {
      // not known yet
    }
    return `${this.constructor.name} ${this.room.name}/${id}`;
  }
}

export { GAME_STORAGE_KEY };
export type { GameRoomStats, JoinInfo, StepContext, PlayerInput, Role, LeaveReason };
