/**
 * The fixed-timestep loop driver: real time goes into an accumulator, the
 * simulation comes out in whole steps of exactly `stepMs`. After a stall the
 * loop catches up, but never by more than `maxStepsPerFrame` steps at once:
 * the rest of the backlog is dropped, so a slow frame cannot make the next
 * frame slower still (the "spiral of death").
 * @module
 */
import type { Clock } from "./clock.js";

/** Options of a {@link FixedStepLoop}. */
export type FixedStepLoopOptions = {
  /** Length of one simulation step, in milliseconds (1000 / tick rate). */
  stepMs: number;
  /** Most steps run by one frame when catching up. Default 5. */
  maxStepsPerFrame?: number;
  /** Runs one step. */
  step: () => void;
  /** Runs after the steps of each frame (e.g. to send patches). */
  afterFrame?: (steps: number) => void;
};

/** What one frame did. */
export type FrameResult = {
  /** Steps run. */
  steps: number;
  /** Milliseconds of backlog given up because the frame hit `maxStepsPerFrame`. */
  droppedMs: number;
};

/**
 * Turns clock readings into simulation steps. It does not read the clock by
 * itself: `start(clock)` subscribes it, or a test calls {@link frame} with
 * times of its choosing.
 *
 * @example
 * ```ts
 * const loop = new FixedStepLoop({ stepMs: 1000 / 30, maxStepsPerFrame: 5, step: () => simulate() });
 * loop.reset(0);
 * for (let t = 50; t <= 1000; t += 50) loop.frame(t);
 * loop.steps; // 30: exactly 1000 ms at 30 Hz, however the time was sliced
 * ```
 */
export class FixedStepLoop {
  readonly stepMs: number;
  readonly maxStepsPerFrame: number;
  #options: FixedStepLoopOptions;
  /** Time at which step 0 of the current run would have started. */
  #origin: number | undefined;
  /** Steps run since `#origin`. */
  #done = 0;
  /** Time of the last frame. */
  #last: number | undefined;
  #cancel: (() => void) | undefined;
  /** Steps run since construction. */
  steps = 0;
  /** Backlog dropped since construction, in milliseconds. */
  droppedMs = 0;

  constructor(options: FixedStepLoopOptions) {
    if (!(Number.isFinite(options.stepMs) && options.stepMs > 0)) throw new RangeError(`stepMs must be a positive number, got ${options.stepMs}`);
    const max = options.maxStepsPerFrame ?? 5;
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`maxStepsPerFrame must be a positive integer, got ${max}`);
    this.stepMs = options.stepMs;
    this.maxStepsPerFrame = max;
    this.#options = options;
  }

  /** Whether the loop is subscribed to a clock. */
  get running(): boolean {
    return this.#cancel !== undefined;
  }

  /** Time banked towards the next step as of the last frame, in milliseconds. */
  get accumulator(): number {
    return this.#last === undefined || this.#origin === undefined ? 0 : this.#last - this.#origin - this.#done * this.stepMs;
  }

  /** Starts calling {@link frame} from `clock` every step. No-op if running. */
  start(clock: Clock): void {
    if (this.#cancel) return;
    this.reset(clock.now());
    this.#cancel = clock.every(this.stepMs, () => this.frame(clock.now()));
  }

  /** Stops the clock subscription; the accumulated time is forgotten. */
  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#origin = undefined;
    this.#last = undefined;
    this.#done = 0;
  }

  /** Forgets elapsed time: the next frame counts from `now`. */
  reset(now: number): void {
    this.#origin = now;
    this.#last = now;
    this.#done = 0;
  }

  /**
   * Accounts for the time since the run started and runs the steps it pays
   * for. Steps are counted from the start of the run (never by summing frame
   * durations), so rounding never makes the loop gain or lose a step.
   */
  frame(now: number): FrameResult {
    if (this.#origin === undefined) this.reset(now);
    // A clock that goes backwards (or NaN) runs nothing rather than corrupting the count.
    if (!(now >= this.#last!)) return this.#finish(0, 0);
    this.#last = now;
    const owed = Math.floor((now - this.#origin!) / this.stepMs + 1e-9) - this.#done;
    const steps = Math.max(0, Math.min(owed, this.maxStepsPerFrame));
    let droppedMs = 0;
    if (owed > steps) {
      // Give up the whole steps beyond the cap: the simulation falls behind the
      // wall clock (a visible slow-down) instead of falling further behind each frame.
      droppedMs = (owed - steps) * this.stepMs;
      this.#origin! += droppedMs;
      this.droppedMs += droppedMs;
    }
    for (let i = 0; i < steps; i++) {
      this.#done++;
      this.steps++;
      this.#options.step();
    }
    return this.#finish(steps, droppedMs);
  }

  #finish(steps: number, droppedMs: number): FrameResult {
    this.#options.afterFrame?.(steps);
    return { steps, droppedMs };
  }
}
