/**
 * State sync: remembers, per connection, the view it was last sent (its
 * *baseline*) and produces what each connection needs next — nothing, a patch
 * frame, or a full state when there is no baseline (a new connection, or any
 * connection after the room woke up with empty memory).
 *
 * Work is shared where it can be: each distinct viewer's view is computed and
 * snapshotted once per patch (all spectators share one; without per-player
 * views everyone shares one), and each distinct (baseline, view) pair is
 * diffed and serialized once.
 * @module
 */
import { diff, snapshot, type JsonValue } from "./patch.js";
import { encodePatchFrame, type StateMessage } from "./protocol.js";

/** Someone to sync: a connection, whose view to send, and their current ack. */
export type Recipient = {
  /** The connection's id (its baseline's key). */
  key: string;
  /** Whose view: a player id, or null for spectators. */
  viewer: string | null;
  /** The last processed input seq to report (0 for spectators). */
  ack: number;
};

/** What to send one recipient. */
export type Outgoing = { key: string; frame: string; full: boolean; bytes: number };

type Baseline = { view: JsonValue; ack: number };

/**
 * The baselines of a room's connections, and the patch rounds built from them.
 *
 * @example
 * ```ts
 * const sync = new StateSync();
 * sync.sent(conn.id, welcome.state, welcome.ack);
 * for (const o of sync.round(tick, [{ key: conn.id, viewer: "p1", ack: 3 }], (viewer) => view(state, viewer))) send(o.key, o.frame);
 * ```
 */
export class StateSync {
  readonly #baselines = new Map<string, Baseline>();

  /** Records that `key` was just sent `view` in full (e.g. in its welcome). */
  sent(key: string, view: JsonValue, ack: number): void {
    this.#baselines.set(key, { view, ack });
  }

  /** Forgets a connection (it closed). */
  forget(key: string): void {
    this.#baselines.delete(key);
  }

  /**
   * Builds the messages for one patch round. `viewOf(viewer)` gives the live
   * view; it is called at most once per distinct viewer.
   */
  round(tick: number, recipients: Iterable<Recipient>, viewOf: (viewer: string | null) => unknown): Outgoing[] {
    const views = new Map<string | null, JsonValue>();
    const patches = new Map<JsonValue, Map<JsonValue, string | undefined>>();
    const out: Outgoing[] = [];
    for (const r of recipients) {
      let view = views.get(r.viewer);
      if (view === undefined) views.set(r.viewer, (view = snapshot(viewOf(r.viewer))));
      const base = this.#baselines.get(r.key);
      if (!base) {
        const frame = JSON.stringify({ type: "state", tick, ack: r.ack, state: view } satisfies StateMessage);
        out.push({ key: r.key, frame, full: true, bytes: frame.length });
        this.#baselines.set(r.key, { view, ack: r.ack });
        continue;
      }
      let byView = patches.get(base.view);
      if (!byView) patches.set(base.view, (byView = new Map()));
      let patchJson: string | undefined;
      if (byView.has(view)) patchJson = byView.get(view);
      else {
        const p = diff(base.view, view);
        patchJson = p === undefined ? undefined : JSON.stringify(p);
        byView.set(view, patchJson);
      }
      if (patchJson === undefined && r.ack === base.ack) continue; // nothing new for this one
      const frame = encodePatchFrame(tick, r.ack, patchJson);
      out.push({ key: r.key, frame, full: false, bytes: frame.length });
      this.#baselines.set(r.key, { view, ack: r.ack });
    }
    return out;
  }
}
